using Nexus.Gateway.Auth;
using Nexus.Shared;

namespace Nexus.Gateway.Cache;

/// <summary>
/// Runs the informers of everything the gateway reads (AiJobs, AiJobBatches, API-key Secrets, TenantQuotas): the shared list+watch
/// runtime, so the gateway and the operator share one implementation of bookmarks, 410 re-lists with synthesized
/// deletes, the stall watchdog and reconnect backoff. Readiness is "all synced" (quotas too: a dispatch must not pass a
/// tenant's queued limit because its quota was not loaded yet).
/// </summary>
public sealed class GatewayCaches(JobCache jobs, BatchCache batches, ApiKeyCache keys, TenantQuotaBook quotas) : IHostedService
{
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _loops = [];

    public bool IsSynced => ReadsSynced && keys.Informer.IsSynced && quotas.Informer!.IsSynced;

    public bool ReadsSynced => jobs.Informer.IsSynced && batches.Informer.IsSynced;

    public IEnumerable<string> Pending()
    {
        if (!jobs.Informer.IsSynced) yield return "aijobs";
        if (!batches.Informer.IsSynced) yield return "aijobbatches";
        if (!keys.Informer.IsSynced) yield return "api keys";
        if (!quotas.Informer!.IsSynced) yield return "tenant quotas";
    }

    public Task WaitForSyncAsync(CancellationToken ct) =>
        Task.WhenAll(jobs.Informer.WaitForSyncAsync(ct), batches.Informer.WaitForSyncAsync(ct), keys.Informer.WaitForSyncAsync(ct),
            quotas.Informer!.WaitForSyncAsync(ct));

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _loops.Add(Task.Run(() => jobs.Informer.RunAsync(_stop.Token), CancellationToken.None));
        _loops.Add(Task.Run(() => batches.Informer.RunAsync(_stop.Token), CancellationToken.None));
        _loops.Add(Task.Run(() => keys.Informer.RunAsync(_stop.Token), CancellationToken.None));
        _loops.Add(Task.Run(() => quotas.Informer!.RunAsync(_stop.Token), CancellationToken.None));
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_loops).WaitAsync(cancellationToken).ConfigureAwait(false);
    }
}
