using Nexus.Gateway.Auth;

namespace Nexus.Gateway.Cache;

/// <summary>
/// Runs the informers of everything the gateway reads (AiJobs, AiJobBatches, API-key Secrets): the shared list+watch
/// runtime, so the gateway and the operator share one implementation of bookmarks, 410 re-lists with synthesized
/// deletes, the stall watchdog and reconnect backoff. Readiness is "all three synced".
/// </summary>
public sealed class GatewayCaches(JobCache jobs, BatchCache batches, ApiKeyCache keys) : IHostedService
{
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _loops = [];

    public bool IsSynced => ReadsSynced && keys.Informer.IsSynced;

    public bool ReadsSynced => jobs.Informer.IsSynced && batches.Informer.IsSynced;

    public IEnumerable<string> Pending()
    {
        if (!jobs.Informer.IsSynced) yield return "aijobs";
        if (!batches.Informer.IsSynced) yield return "aijobbatches";
        if (!keys.Informer.IsSynced) yield return "api keys";
    }

    public Task WaitForSyncAsync(CancellationToken ct) =>
        Task.WhenAll(jobs.Informer.WaitForSyncAsync(ct), batches.Informer.WaitForSyncAsync(ct), keys.Informer.WaitForSyncAsync(ct));

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _loops.Add(Task.Run(() => jobs.Informer.RunAsync(_stop.Token), CancellationToken.None));
        _loops.Add(Task.Run(() => batches.Informer.RunAsync(_stop.Token), CancellationToken.None));
        _loops.Add(Task.Run(() => keys.Informer.RunAsync(_stop.Token), CancellationToken.None));
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_loops).WaitAsync(cancellationToken).ConfigureAwait(false);
    }
}
