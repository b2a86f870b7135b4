using Nexus.Tests.Support;
using System.Collections.Concurrent;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Nexus.Crds.Entities;
using Nexus.Operator;
using Nexus.Shared;
using Nexus.Tests.Operator.Support;
using StandInOptions = Nexus.KubeApiServer.KubeApiServerOptions;

namespace Nexus.Tests.Operator;

/// <summary>The failure modes of watch-based operators, provoked through the stand-in's fault injection.</summary>
public sealed class InformerFaultTests
{
    private sealed class Harness : IAsyncDisposable
    {
        public required OperatorCluster Cluster { get; init; }
        public required Informer<AiJob> Informer { get; init; }
        public required CancellationTokenSource Stop { get; init; }
        public required Task Run { get; init; }
        public ConcurrentQueue<(string Name, bool Deleted)> Seen { get; } = new();

        public async ValueTask DisposeAsync()
        {
            Stop.Cancel();
            await Run;
            await Cluster.DisposeAsync();
        }
    }

    private static async Task<Harness> StartAsync(Func<OperatorOptions, OperatorOptions>? tune = null, StandInOptions? server = null)
    {
        var cluster = await OperatorCluster.StartAsync(workers: 0, server);
        var options = cluster.Options();
        if (tune is not null) options = tune(options);
        var informer = new Informer<AiJob>(new KubeApi(cluster.Server.ClientConfiguration()), ResourceKind.AiJob, options.ForInformers(), NullLogger.Instance);
        var stop = new CancellationTokenSource();
        var h = new Harness { Cluster = cluster, Informer = informer, Stop = stop, Run = Task.Run(() => informer.RunAsync(stop.Token)) };
        informer.Changed += (old, @new) => h.Seen.Enqueue(((@new ?? old)!.Metadata.Name, @new is null));
        await informer.WaitForSyncAsync(stop.Token).WaitAsync(TimeSpan.FromSeconds(10));
        return h;
    }

    [Fact]
    public async Task A_dropped_watch_is_reopened_and_changes_keep_arriving()
    {
        await using var h = await StartAsync();
        var a = await h.Cluster.CreateJobAsync();
        await Wait.UntilAsync(() => h.Informer.Get(a.Metadata.Name) is not null, "first job cached");
        Assert.True(h.Cluster.Server.Faults.DropAllWatches() >= 1);
        var b = await h.Cluster.CreateJobAsync();
        await Wait.UntilAsync(() => h.Informer.Get(b.Metadata.Name) is not null, "job created after the drop");
        Assert.True(h.Informer.Restarts >= 1);
        Assert.Equal(1, h.Informer.Relists); // resumed from its resourceVersion, no re-list needed
    }

    [Fact]
    public async Task A_watch_that_goes_silent_is_abandoned_by_the_watchdog()
    {
        // No bookmarks and no changes: the stream is open but silent.
        await using var h = await StartAsync(o => o with { WatchStallTimeout = TimeSpan.FromMilliseconds(800) },
            new StandInOptions { BookmarkInterval = TimeSpan.FromHours(1) });
        await Wait.UntilAsync(() => h.Informer.Restarts >= 2, "watchdog to reopen the silent stream", TimeSpan.FromSeconds(15));
        var job = await h.Cluster.CreateJobAsync();
        await Wait.UntilAsync(() => h.Informer.Get(job.Metadata.Name) is not null, "change after stalls");
    }

    [Fact]
    public async Task Gone_410_relists_and_synthesizes_the_deletes_the_watch_missed()
    {
        await using var h = await StartAsync();
        var keep = await h.Cluster.CreateJobAsync();
        var doomed = await h.Cluster.CreateJobAsync();
        await Wait.UntilAsync(() => h.Informer.Count == 2, "both cached");

        var faults = h.Cluster.Server.Faults;
        faults.FailNext(1_000_000, 503, verb: "watch", resource: "aijobs");
        faults.DropAllWatches();
        await h.Cluster.Api.DeleteAsync(ResourceKind.AiJob.Item(OperatorCluster.Ns, doomed.Metadata.Name), null, default);
        var added = await h.Cluster.CreateJobAsync();
        faults.CompactHistory(); // the delete is no longer in the watch history: reconnecting gets 410
        faults.Clear();

        await Wait.UntilAsync(() => h.Informer.Get(doomed.Metadata.Name) is null && h.Informer.Get(added.Metadata.Name) is not null,
            "missed delete synthesized and missed add listed");
        Assert.True(h.Informer.Relists >= 2);
        Assert.NotNull(h.Informer.Get(keep.Metadata.Name));
        Assert.Contains((doomed.Metadata.Name, true), h.Seen);
        Assert.Equal(2, h.Informer.Count);
    }

    [Fact]
    public async Task Failing_watches_back_off_instead_of_storming_the_server()
    {
        await using var h = await StartAsync(o => o with { WatchReconnectMinDelay = TimeSpan.FromMilliseconds(100), WatchReconnectMaxDelay = TimeSpan.FromSeconds(2) });
        var faults = h.Cluster.Server.Faults;
        var before = h.Cluster.Server.Requests.CountByVerb("watch");
        faults.FailNext(1_000_000, 500, verb: "watch", resource: "aijobs");
        faults.DropAllWatches();
        var started = DateTime.UtcNow;
        await Wait.UntilAsync(() => DateTime.UtcNow - started > TimeSpan.FromSeconds(3), "a 3 s window");
        var attempts = h.Cluster.Server.Requests.CountByVerb("watch") - before;
        faults.Clear();
        // Without backoff a failing watch is retried thousands of times in 3 s; with it, a handful.
        Assert.InRange(attempts, 1, 25);
        var job = await h.Cluster.CreateJobAsync();
        await Wait.UntilAsync(() => h.Informer.Get(job.Metadata.Name) is not null, "recovery after the failures", TimeSpan.FromSeconds(15));
    }

    [Fact]
    public async Task Reconnecting_many_times_keeps_one_cached_copy_and_one_open_watch()
    {
        await using var h = await StartAsync();
        for (var i = 0; i < 20; i++) await h.Cluster.CreateJobAsync();
        await Wait.UntilAsync(() => h.Informer.Count == 20, "20 cached");
        var addsBefore = h.Seen.Count;
        for (var i = 0; i < 30; i++)
        {
            var restarts = h.Informer.Restarts;
            h.Cluster.Server.Faults.DropAllWatches();
            await Wait.UntilAsync(() => h.Informer.Restarts > restarts && h.Cluster.Server.OpenWatches == 1, "reconnect");
        }
        Assert.Equal(20, h.Informer.Count);
        Assert.Equal(addsBefore, h.Seen.Count); // no replayed or duplicate notifications
        Assert.Equal(1, h.Cluster.Server.OpenWatches);
    }
}
