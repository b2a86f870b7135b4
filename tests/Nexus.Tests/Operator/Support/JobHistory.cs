using System.Collections.Concurrent;
using Microsoft.Extensions.Logging.Abstractions;
using Nexus.Crds.Entities;
using Nexus.Operator;
using Nexus.Shared;

namespace Nexus.Tests.Operator.Support;

/// <summary>Every version of every AiJob the API served, seen through a watch of the tests' own: the states a job passed through.</summary>
public sealed class JobHistory : IAsyncDisposable
{
    private readonly Informer<AiJob> _informer;
    private readonly KubeApi _api;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _run;
    private readonly ConcurrentDictionary<string, ConcurrentQueue<AiJob>> _versions = new();

    private JobHistory(KubeApi api, OperatorOptions options)
    {
        _api = api;
        _informer = new Informer<AiJob>(api, ResourceKind.AiJob, options.ForInformers(), NullLogger.Instance);
        _informer.Changed += (_, @new) =>
        {
            if (@new is not null) _versions.GetOrAdd(@new.Metadata.Name, _ => new ConcurrentQueue<AiJob>()).Enqueue(@new);
        };
        _run = Task.Run(() => _informer.RunAsync(_stop.Token));
    }

    public static async Task<JobHistory> StartAsync(OperatorCluster c)
    {
        var history = new JobHistory(new KubeApi(c.Server.ClientConfiguration()), c.Options());
        await history._informer.WaitForSyncAsync(default);
        return history;
    }

    public IReadOnlyList<AiJob> Of(string name) => _versions.TryGetValue(name, out var q) ? q.ToList() : [];

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        try { await _run; } catch (OperationCanceledException) { }
        _api.Dispose();
        _stop.Dispose();
    }
}
