using k8s.Models;
using Nexus.Crds.Entities;
using Nexus.Gateway.Auth;
using Nexus.Shared;

namespace Nexus.Gateway.Cache;

/// <summary>
/// Runs the informers of everything the gateway reads (AiJobs, AiJobBatches, API-key Secrets): the operator's
/// list+watch runtime, so both sides share one implementation of bookmarks, 410 re-lists with synthesized
/// deletes, the stall watchdog and reconnect backoff. Jobs and keys are mirrored into indexed stores.
/// </summary>
public sealed class CacheSync : IHostedService
{
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _loops = [];

    public CacheSync(KubeApi api, GatewayOptions options, JobStore jobs, ApiKeyStore keys, ILoggerFactory loggers)
    {
        InformerOptions Watch(string? selector) => new(options.Namespace)
        {
            LabelSelector = selector,
            WatchTimeoutSeconds = options.WatchTimeoutSeconds,
            // A watch that goes silent behind a proxy is abandoned a little after its server-side timeout.
            WatchStallTimeout = TimeSpan.FromSeconds(options.WatchTimeoutSeconds + 30),
        };
        Jobs = new Informer<AiJob>(api, ResourceKind.AiJob, Watch(null), loggers.CreateLogger("Nexus.Gateway.Informer.aijobs"));
        Batches = new Informer<AiJobBatch>(api, ResourceKind.AiJobBatch, Watch(null), loggers.CreateLogger("Nexus.Gateway.Informer.aijobbatches"));
        Keys = new Informer<V1Secret>(api, ResourceKind.Secret, Watch(ApiKeySecret.Selector), loggers.CreateLogger("Nexus.Gateway.Informer.apikeys"));
        Mirror(Jobs, jobs);
        Mirror(Keys, keys);
    }

    public Informer<AiJob> Jobs { get; }
    public Informer<AiJobBatch> Batches { get; }
    public Informer<V1Secret> Keys { get; }

    public bool IsSynced => Jobs.IsSynced && Batches.IsSynced && Keys.IsSynced;

    public bool ReadsSynced => Jobs.IsSynced && Batches.IsSynced;

    public IEnumerable<string> Pending()
    {
        if (!Jobs.IsSynced) yield return "aijobs";
        if (!Batches.IsSynced) yield return "aijobbatches";
        if (!Keys.IsSynced) yield return "api keys";
    }

    public Task WaitForSyncAsync(CancellationToken ct) =>
        Task.WhenAll(Jobs.WaitForSyncAsync(ct), Batches.WaitForSyncAsync(ct), Keys.WaitForSyncAsync(ct));

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _loops.Add(Task.Run(() => Jobs.RunAsync(_stop.Token), CancellationToken.None));
        _loops.Add(Task.Run(() => Batches.RunAsync(_stop.Token), CancellationToken.None));
        _loops.Add(Task.Run(() => Keys.RunAsync(_stop.Token), CancellationToken.None));
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_loops).WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private static void Mirror<T>(Informer<T> informer, IStoreSink<T> sink) where T : class, k8s.IKubernetesObject<V1ObjectMeta> =>
        informer.Changed += (old, @new) =>
        {
            if (@new is not null) sink.Upsert(@new);
            else sink.Delete(old!);
        };
}
