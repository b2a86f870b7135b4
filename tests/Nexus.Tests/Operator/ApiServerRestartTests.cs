using System.Collections.Concurrent;
using System.Text.Json;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Nexus.Crds.Entities;
using Nexus.Shared;
using Nexus.Tests.Support;

namespace Nexus.Tests.Operator;

/// <summary>
/// The shared informer against an API stand-in that goes away and comes back on the same address: restarted empty
/// (state lost, resourceVersions back to the beginning), restarted empty but already ahead of the cached
/// resourceVersion, and restarted with its state kept. Whatever the case, the cache ends up equal to the new server's
/// state, with a delete notified for every object that is gone.
/// </summary>
public sealed class ApiServerRestartTests
{
    private const string Ns = "default";

    private sealed class Harness : IAsyncDisposable
    {
        public required RestartableStandIn StandIn { get; init; }
        public required KubeApi Api { get; init; }
        public required Informer<AiJob> Informer { get; init; }
        public required CancellationTokenSource Stop { get; init; }
        public required Task Run { get; init; }
        public ConcurrentQueue<(string Name, bool Deleted)> Seen { get; } = new();

        public async ValueTask DisposeAsync()
        {
            Stop.Cancel();
            await Run;
            Api.Dispose();
            await StandIn.DisposeAsync();
        }
    }

    private static async Task<Harness> StartAsync(TimeSpan? reconnectMinDelay = null, Action<Nexus.KubeApiServer.KubeApiServerOptions>? tune = null)
    {
        var standIn = await RestartableStandIn.StartAsync(o =>
        {
            o.ResourceVersionWait = TimeSpan.FromMilliseconds(200);
            tune?.Invoke(o);
        });
        var api = new KubeApi(KubeApi.LoadConfig(standIn.KubeconfigPath));
        var options = new InformerOptions(Ns)
        {
            WatchReconnectMinDelay = reconnectMinDelay ?? TimeSpan.FromMilliseconds(50),
            WatchReconnectMaxDelay = (reconnectMinDelay ?? TimeSpan.FromMilliseconds(50)) * 4,
            WatchStallTimeout = TimeSpan.FromSeconds(20),
        };
        var informer = new Informer<AiJob>(api, ResourceKind.AiJob, options, NullLogger.Instance);
        var stop = new CancellationTokenSource();
        var h = new Harness { StandIn = standIn, Api = api, Informer = informer, Stop = stop, Run = Task.Run(() => informer.RunAsync(stop.Token)) };
        informer.Changed += (old, @new) => h.Seen.Enqueue(((@new ?? old)!.Metadata.Name, @new is null));
        await informer.WaitForSyncAsync(stop.Token).WaitAsync(TimeSpan.FromSeconds(10));
        return h;
    }

    internal static async Task<AiJob> CreateJobAsync(string kubeconfig, string? name = null)
    {
        using var api = new KubeApi(KubeApi.LoadConfig(kubeconfig));
        var job = new AiJob
        {
            Metadata = new V1ObjectMeta
            {
                Name = name ?? ResourceIds.NewJobName(),
                NamespaceProperty = Ns,
                Labels = new Dictionary<string, string>
                {
                    [NexusGroup.TenantLabel] = "acme", [NexusGroup.JobTypeLabel] = JobTypes.PricingRecalculate, [NexusGroup.PriorityLabel] = Priorities.Normal,
                },
            },
            Spec = new AiJobSpec
            {
                Type = JobTypes.PricingRecalculate, Tenant = "acme", Priority = Priorities.Normal,
                Params = JsonSerializer.SerializeToElement(new { skus = new[] { "A-1" } }),
            },
        };
        return await api.CreateAsync(ResourceKind.AiJob.Collection(Ns), job, default);
    }

    [Fact]
    public async Task A_server_restarted_empty_is_relisted_and_every_vanished_object_is_deleted()
    {
        await using var h = await StartAsync();
        var a = await CreateJobAsync(h.StandIn.KubeconfigPath);
        var b = await CreateJobAsync(h.StandIn.KubeconfigPath);
        await Wait.UntilAsync(() => h.Informer.Count == 2, "both jobs cached");
        var relists = h.Informer.Relists;

        await h.StandIn.StopAsync();
        await h.StandIn.StartAgainAsync();
        var c = await CreateJobAsync(h.StandIn.KubeconfigPath);

        await Wait.UntilAsync(() => h.Informer.Get(c.Metadata.Name) is not null && h.Informer.Count == 1,
            "the cache to hold exactly the new server's job");
        Assert.Null(h.Informer.Get(a.Metadata.Name));
        Assert.Null(h.Informer.Get(b.Metadata.Name));
        Assert.Contains((a.Metadata.Name, true), h.Seen);
        Assert.Contains((b.Metadata.Name, true), h.Seen);
        Assert.True(h.Informer.Relists > relists);
        // Watching continues on the new server.
        var d = await CreateJobAsync(h.StandIn.KubeconfigPath);
        await Wait.UntilAsync(() => h.Informer.Get(d.Metadata.Name) is not null, "a job created after the recovery");
    }

    [Fact]
    public async Task After_a_lost_connection_the_informer_relists_even_when_the_new_server_is_already_ahead()
    {
        // A long reconnect backoff leaves time to fill the new server past the cached resourceVersion before the
        // informer comes back: resuming the watch from that resourceVersion would then "succeed" and miss both the
        // vanished jobs and the new server's older ones.
        await using var h = await StartAsync(reconnectMinDelay: TimeSpan.FromSeconds(3));
        var a = await CreateJobAsync(h.StandIn.KubeconfigPath);
        await Wait.UntilAsync(() => h.Informer.Count == 1, "job cached");
        var cachedRv = long.Parse(h.Informer.LastResourceVersion);

        await h.StandIn.StopAsync();
        await Wait.UntilAsync(() => h.Api.Health.UnreachableSince is not null, "the informer to notice the outage");
        await h.StandIn.StartAgainAsync();
        var early = await CreateJobAsync(h.StandIn.KubeconfigPath);
        var created = new List<string> { early.Metadata.Name };
        while (h.StandIn.Current.ResourceVersion <= cachedRv + 2)
            created.Add((await CreateJobAsync(h.StandIn.KubeconfigPath)).Metadata.Name);
        Assert.True(long.Parse(early.Metadata.ResourceVersion) <= cachedRv, "the first new job is older than the cached resourceVersion");

        await Wait.UntilAsync(() => h.Informer.Count == created.Count && created.All(n => h.Informer.Get(n) is not null),
            "the cache to hold exactly the new server's jobs", TimeSpan.FromSeconds(20));
        Assert.Null(h.Informer.Get(a.Metadata.Name));
        Assert.Contains((a.Metadata.Name, true), h.Seen);
        Assert.True(h.Api.Health.IsReady);
    }

    [Fact]
    public async Task A_server_restarted_with_its_state_resumes_without_losing_or_duplicating_objects()
    {
        var dataFile = Path.Combine(Path.GetTempPath(), $"nexus-restart-{Guid.NewGuid():N}.wal");
        try
        {
            await using var h = await StartAsync(tune: o => o.DataFile = dataFile);
            var a = await CreateJobAsync(h.StandIn.KubeconfigPath);
            var b = await CreateJobAsync(h.StandIn.KubeconfigPath);
            await Wait.UntilAsync(() => h.Informer.Count == 2, "both cached");

            await h.StandIn.StopAsync();
            await h.StandIn.StartAgainAsync();
            using (var api = new KubeApi(KubeApi.LoadConfig(h.StandIn.KubeconfigPath)))
                Assert.True(await api.DeleteAsync(ResourceKind.AiJob.Item(Ns, b.Metadata.Name), null, default));
            var c = await CreateJobAsync(h.StandIn.KubeconfigPath);

            await Wait.UntilAsync(() => h.Informer.Get(c.Metadata.Name) is not null && h.Informer.Get(b.Metadata.Name) is null,
                "the delete and the add made after the restart");
            Assert.NotNull(h.Informer.Get(a.Metadata.Name));
            Assert.Equal(2, h.Informer.Count);
            Assert.Single(h.Seen, s => s == (a.Metadata.Name, false)); // kept, never re-added or deleted
        }
        finally
        {
            File.Delete(dataFile);
        }
    }
}
