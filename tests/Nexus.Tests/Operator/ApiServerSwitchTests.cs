using System.Collections.Concurrent;
using Microsoft.Extensions.Logging.Abstractions;
using Nexus.Crds.Entities;
using Nexus.Shared;
using Nexus.Tests.Support;
using StandIn = Nexus.KubeApiServer.KubeApiServer;
using StandInOptions = Nexus.KubeApiServer.KubeApiServerOptions;

namespace Nexus.Tests.Operator;

/// <summary>
/// The informer behind a relay that switches from one API server to another without the connection dropping:
/// the new server is behind the cached resourceVersion (504 "Too large resource version") or has compacted past it
/// (410 Gone). Either way the watch cannot be resumed, and the informer re-lists and synthesizes the deletes.
/// </summary>
public sealed class ApiServerSwitchTests
{
    private const string Ns = "default";

    private static Task<StandIn> StartServerAsync() =>
        StandIn.StartAsync(new StandInOptions { CrdPaths = { RepoPaths.Of("crds") }, ResourceVersionWait = TimeSpan.FromMilliseconds(200) });

    private sealed record Setup(StandIn First, StandIn Second, SwitchingRelay Relay, KubeApi Api, Informer<AiJob> Informer,
        ConcurrentQueue<(string Name, bool Deleted)> Seen, CancellationTokenSource Stop, Task Run, string Kubeconfig) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            Stop.Cancel();
            await Run;
            Api.Dispose();
            await Relay.DisposeAsync();
            await First.DisposeAsync();
            await Second.DisposeAsync();
            File.Delete(Kubeconfig);
        }
    }

    private static async Task<Setup> StartAsync(StandIn first, StandIn second)
    {
        var relay = await SwitchingRelay.StartAsync(first.Url);
        var kubeconfig = Path.Combine(Path.GetTempPath(), $"nexus-relay-{Guid.NewGuid():N}.kubeconfig");
        Nexus.KubeApiServer.Hosting.Kubeconfig.Write(kubeconfig, relay.Url, new StandInOptions().Token);
        var api = new KubeApi(KubeApi.LoadConfig(kubeconfig));
        var informer = new Informer<AiJob>(api, ResourceKind.AiJob, new InformerOptions(Ns)
        {
            WatchReconnectMinDelay = TimeSpan.FromMilliseconds(50), WatchReconnectMaxDelay = TimeSpan.FromMilliseconds(200),
        }, NullLogger.Instance);
        var seen = new ConcurrentQueue<(string, bool)>();
        informer.Changed += (old, @new) => seen.Enqueue(((@new ?? old)!.Metadata.Name, @new is null));
        var stop = new CancellationTokenSource();
        var run = Task.Run(() => informer.RunAsync(stop.Token));
        await informer.WaitForSyncAsync(stop.Token).WaitAsync(TimeSpan.FromSeconds(10));
        return new Setup(first, second, relay, api, informer, seen, stop, run, kubeconfig);
    }

    private static async Task<List<string>> CreateJobsAsync(StandIn server, int n)
    {
        var names = new List<string>();
        for (var i = 0; i < n; i++) names.Add((await ApiServerRestartTests.CreateJobAsync(server.KubeconfigPath)).Metadata.Name);
        return names;
    }

    private static async Task Switch(Setup s)
    {
        // The informer's watch must be open on the first server: one still in flight through the relay when the
        // upstream changes stays with the first server, and dropping watches before it registers misses it.
        await Wait.UntilAsync(() => s.First.OpenWatches > 0, "the informer's watch on the first server");
        s.Relay.Upstream = s.Second.Url;
        s.First.Faults.DropAllWatches(); // closed in order: the informer reconnects at once, to the second server
    }

    [Fact]
    public async Task A_server_behind_the_cached_resourceVersion_answers_504_and_the_informer_relists()
    {
        var first = await StartServerAsync();
        var second = await StartServerAsync();
        var old = await CreateJobsAsync(first, 10);
        var fresh = await CreateJobsAsync(second, 1);
        await using var s = await StartAsync(first, second);
        Assert.Equal(10, s.Informer.Count);
        var cachedRv = long.Parse(s.Informer.LastResourceVersion);
        Assert.True(second.ResourceVersion < cachedRv);
        var relists = s.Informer.Relists;

        await Switch(s);

        await Wait.UntilAsync(() => s.Informer.Count == 1 && s.Informer.Get(fresh[0]) is not null, "the cache to hold the second server's job");
        Assert.All(old, name => Assert.Contains((name, true), s.Seen));
        Assert.Equal(relists + 1, s.Informer.Relists);
        Assert.Null(s.Api.Health.UnreachableSince); // the connection was never lost: the 504 alone caused the re-list
    }

    [Fact]
    public async Task A_server_that_compacted_past_the_cached_resourceVersion_answers_410_and_the_informer_relists()
    {
        var first = await StartServerAsync();
        var second = await StartServerAsync();
        var old = await CreateJobsAsync(first, 2);
        await using var s = await StartAsync(first, second);
        var cachedRv = long.Parse(s.Informer.LastResourceVersion);
        var fresh = await CreateJobsAsync(second, 1);
        while (second.ResourceVersion <= cachedRv + 2) fresh.AddRange(await CreateJobsAsync(second, 1));
        second.Faults.CompactHistory();
        var relists = s.Informer.Relists;

        await Switch(s);

        await Wait.UntilAsync(() => s.Informer.Count == fresh.Count && fresh.All(n => s.Informer.Get(n) is not null),
            "the cache to hold exactly the second server's jobs");
        Assert.All(old, name => Assert.Contains((name, true), s.Seen));
        Assert.Equal(relists + 1, s.Informer.Relists);
        Assert.Null(s.Api.Health.UnreachableSince);
    }
}
