using k8s;
using k8s.Models;
using Nexus.Crds.Entities;
using Nexus.Gateway.Auth;
using Nexus.Gateway.Kube;

namespace Nexus.Gateway.Cache;

/// <summary>Runs the informers of everything the gateway reads (AiJobs, AiJobBatches, API-key Secrets).</summary>
public sealed class CacheSync : IHostedService
{
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _loops = [];

    public CacheSync(IKubernetes client, GatewayOptions options, JobStore jobs, ObjectStore<AiJobBatch> batches,
        ApiKeyStore keys, ILoggerFactory loggers)
    {
        var logger = loggers.CreateLogger<CacheSync>();
        Jobs = new Informer<AiJob>(new CustomResourceSource<AiJob>(client, options.Namespace, AiJob.Plural), jobs,
            options.WatchTimeoutSeconds, logger);
        Batches = new Informer<AiJobBatch>(new CustomResourceSource<AiJobBatch>(client, options.Namespace, AiJobBatch.Plural),
            batches, options.WatchTimeoutSeconds, logger);
        Keys = new Informer<V1Secret>(new SecretSource(client, options.Namespace, ApiKeySecret.Selector), keys,
            options.WatchTimeoutSeconds, logger);
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
}
