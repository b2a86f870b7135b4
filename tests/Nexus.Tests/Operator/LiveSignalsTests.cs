using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Nexus.Crds.Entities;
using Nexus.Gateway;
using Nexus.Gateway.Auth;
using k8s;
using Nexus.Tests.Operator.Support;
using Nexus.Tests.Support;

namespace Nexus.Tests.Operator;

/// <summary>
/// Progress and queue positions from the real operator, through the live table of a real PostgreSQL, to the REST
/// view of the real gateway, with the fake worker over real HTTP.
/// </summary>
public sealed class LiveSignalsTests
{
    [Fact]
    public async Task A_running_jobs_progress_moves_in_its_view_within_5_seconds_and_costs_no_status_write()
    {
        await using var cluster = await OperatorCluster.StartAsync();
        cluster.Workers[0].Behave = (_, _, _) => new FakeBehaviour { Duration = TimeSpan.FromSeconds(8), MovingProgress = true };
        await cluster.CreatePoolAsync("pool");
        var op = await cluster.StartLeaderAsync();
        await using var gateway = await GatewayAsync(cluster);
        using var http = await ClientAsync(cluster, gateway, "acme");

        var job = await cluster.CreateJobAsync();
        var id = ResourceIds.JobIdFromName(job.Metadata.Name);
        var statusPath = $"/apis/nexus.ai/v1/namespaces/{OperatorCluster.Ns}/aijobs/{job.Metadata.Name}/status";
        await cluster.WaitForPhaseAsync(job.Metadata.Name, JobPhases.Running);
        var writesWhenClaimed = cluster.Server.Requests.CountByPath("PUT", statusPath);

        // Every change of the shown progress, with when it was seen, until the job leaves running.
        var changes = new List<(DateTime At, double Progress)>();
        long writesWhileRunning = 0;
        JsonElement view;
        while (true)
        {
            var writes = cluster.Server.Requests.CountByPath("PUT", statusPath);
            view = await ViewAsync(http, id);
            if (view.GetProperty("status").GetString() != "running") break;
            writesWhileRunning = writes;
            if (view.TryGetProperty("progress", out var p) && (changes.Count == 0 || changes[^1].Progress != p.GetDouble()))
                changes.Add((DateTime.UtcNow, p.GetDouble()));
            Assert.False(view.TryGetProperty("queue_position", out _), "a running job has no queue position");
            await Task.Delay(100); // the client's own polling interval
        }

        Assert.True(changes.Count >= 3, $"progress should move while the job runs; seen: {string.Join(", ", changes.Select(c => c.Progress))}");
        Assert.All(changes, c => Assert.InRange(c.Progress, 0, 1));
        Assert.True(changes.Zip(changes.Skip(1)).All(pair => pair.Second.Progress > pair.First.Progress), "progress only grows within one attempt");
        var gaps = changes.Zip(changes.Skip(1)).Select(pair => pair.Second.At - pair.First.At).ToList();
        Assert.True(gaps.Max() <= TimeSpan.FromSeconds(5), $"progress changed every {gaps.Max().TotalSeconds:0.0} s at worst; the bound is 5 s");
        // Progress went elsewhere: not one status write for the job between its claim and its end.
        Assert.Equal(writesWhenClaimed, writesWhileRunning);
        Assert.True(await OperatorCluster.MetricAsync(op, "nexus_operator_live_rows_written_total") >= changes.Count);

        var done = await Wait.ForAsync(async () =>
        {
            var v = await ViewAsync(http, id);
            return v.GetProperty("status").GetString() == "completed" ? (object)v : null;
        }, "job completed in its view");
        Assert.False(((JsonElement)done).TryGetProperty("progress", out _), "a completed job shows no progress");
    }

    [Fact]
    public async Task Queue_positions_shown_on_a_capacity_1_pool_are_the_order_the_operator_claims_in()
    {
        await using var cluster = await OperatorCluster.StartAsync();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var blocker = ResourceIds.NewJobName();
        cluster.Workers[0].Behave = (id, _, _) => id == blocker
            ? new FakeBehaviour { Until = release.Task, MovingProgress = false }
            : new FakeBehaviour { Result = new System.Text.Json.Nodes.JsonObject { ["ok"] = true } };
        await cluster.CreatePoolAsync("pool", concurrency: 1);
        await cluster.StartLeaderAsync();
        await using var gateway = await GatewayAsync(cluster);
        using var acme = await ClientAsync(cluster, gateway, "acme");
        using var globex = await ClientAsync(cluster, gateway, "globex");
        try
        {
            await cluster.CreateJobAsync(blocker);
            await cluster.WaitForPhaseAsync(blocker, JobPhases.Running);

            // Mixed priorities and tenants, so priority order and tenant turns both decide the claim order.
            (string Tenant, string Priority)[] plan =
            [
                ("acme", Priorities.Low), ("acme", Priorities.Normal), ("acme", Priorities.Normal), ("globex", Priorities.Normal),
                ("acme", Priorities.High), ("globex", Priorities.Low), ("globex", Priorities.Normal), ("acme", Priorities.High),
            ];
            var queued = new List<(string Name, string Tenant)>();
            foreach (var (tenant, priority) in plan)
                queued.Add(((await cluster.CreateJobAsync(tenant: tenant, priority: priority)).Metadata.Name, tenant));

            // Wait until every queued job shows a place and the places are exactly 1..n.
            var shown = await Wait.ForAsync(async () =>
            {
                var views = new List<(string Name, int Position, DateTimeOffset Eta)>();
                foreach (var (name, tenant) in queued)
                {
                    var view = await ViewAsync(tenant == "acme" ? acme : globex, ResourceIds.JobIdFromName(name));
                    if (view.GetProperty("status").GetString() != "queued" || !view.TryGetProperty("queue_position", out var p)) return null;
                    views.Add((name, p.GetInt32(), DateTimeOffset.Parse(view.GetProperty("estimated_completion_at").GetString()!)));
                }
                return views.Select(v => v.Position).Order().SequenceEqual(Enumerable.Range(1, queued.Count)) ? views : null;
            }, "every queued job to show its place", TimeSpan.FromSeconds(30));
            var byPosition = shown.OrderBy(v => v.Position).ToList();
            Assert.True(byPosition.Zip(byPosition.Skip(1)).All(pair => pair.Second.Eta > pair.First.Eta),
                "on a capacity-1 pool each place further back is expected to finish later");

            // The list shows the same places.
            using (var list = await acme.GetAsync("/api/ai-jobs?status=queued&limit=100"))
            {
                using var doc = JsonDocument.Parse(await list.Content.ReadAsStringAsync());
                var listed = doc.RootElement.GetProperty("data").EnumerateArray()
                    .ToDictionary(j => j.GetProperty("id").GetString()!, j => j.GetProperty("queue_position").GetInt32());
                foreach (var v in shown.Where(v => queued.Single(q => q.Name == v.Name).Tenant == "acme"))
                    Assert.Equal(v.Position, listed[ResourceIds.JobIdFromName(v.Name)]);
            }

            release.SetResult();
            foreach (var (name, _) in queued) await cluster.WaitForPhaseAsync(name, JobPhases.Completed, TimeSpan.FromSeconds(60));

            var claimed = cluster.Workers[0].SubmittedIds.Where(id => id != blocker).ToList();
            Assert.Equal(byPosition.Select(v => v.Name), claimed);
            // Priority decided first: both high jobs were shown (and claimed) first.
            Assert.All(byPosition.Take(2), v => Assert.Equal(Priorities.High, plan[queued.FindIndex(q => q.Name == v.Name)].Priority));
        }
        finally
        {
            release.TrySetResult();
        }
    }

    [Fact]
    public async Task With_the_database_down_the_view_keeps_answering_with_the_last_progress_and_it_moves_again_once_back()
    {
        await using var database = await PostgresServer.StartOwnAsync("live-outage");
        await using var cluster = await OperatorCluster.StartAsync(database: database);
        cluster.Workers[0].Behave = (_, _, _) => new FakeBehaviour { Duration = TimeSpan.FromSeconds(120), MovingProgress = true };
        await cluster.CreatePoolAsync("pool");
        await cluster.StartLeaderAsync();
        await using var gateway = await GatewayAsync(cluster);
        using var http = await ClientAsync(cluster, gateway, "acme");
        var id = ResourceIds.JobIdFromName((await cluster.CreateJobAsync()).Metadata.Name);
        await Wait.UntilAsync(async () => (await ViewAsync(http, id)).TryGetProperty("progress", out _), "a first progress in the view");

        await database.StopAsync();
        var stopped = true;
        try
        {
            // Ten answers over the outage: every one a running job with a progress (stale, not an error).
            var during = new List<double>();
            for (var i = 0; i < 10; i++)
            {
                var view = await ViewAsync(http, id);
                Assert.Equal("running", view.GetProperty("status").GetString());
                during.Add(view.GetProperty("progress").GetDouble());
                await Task.Delay(300);
            }
            await database.StartAsync();
            stopped = false;
            await Wait.UntilAsync(async () => (await ViewAsync(http, id)).GetProperty("progress").GetDouble() > during.Max(),
                "progress moving again after the database came back", TimeSpan.FromSeconds(60));
        }
        finally
        {
            if (stopped) await database.StartAsync(); // the cluster drops its database on dispose
        }
    }

    private static async Task<RunningGateway> GatewayAsync(OperatorCluster cluster)
    {
        var gateway = await GatewayApp.StartAsync(new GatewayOptions
        {
            DatabaseUrl = cluster.DatabaseUrl,
            Urls = "http://127.0.0.1:0",
            Namespace = OperatorCluster.Ns,
            KubeconfigPath = cluster.Server.KubeconfigPath,
            LogFormat = "none",
            WatchTimeoutSeconds = 30,
            RateLimitPerSecond = Nexus.Gateway.RateLimiting.KeyRateLimit.MaxPerSecond,
            RateLimitBurst = Nexus.Gateway.RateLimiting.KeyRateLimit.MaxBurst,
        });
        await gateway.WaitReadyAsync(TimeSpan.FromSeconds(30));
        return gateway;
    }

    /// <summary>A client of the gateway with a fresh API key of the tenant.</summary>
    private static async Task<HttpClient> ClientAsync(OperatorCluster cluster, RunningGateway gateway, string tenant)
    {
        var key = ApiKeyFormat.NewKey();
        var secret = ApiKeySecret.Build("key-" + Guid.NewGuid().ToString("N")[..10], ApiKeyFormat.Hash(key), [tenant], ["ai-jobs:read"], null);
        using (var client = cluster.Server.CreateClient()) await client.CoreV1.CreateNamespacedSecretAsync(secret, OperatorCluster.Ns);
        var keys = gateway.Services.GetRequiredService<ApiKeyCache>();
        await Wait.UntilAsync(() => keys.FindByKey(key) is not null, "gateway sees the new key");
        var http = new HttpClient { BaseAddress = gateway.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        http.DefaultRequestHeaders.Add("X-Tenant-ID", tenant);
        return http;
    }

    private static async Task<JsonElement> ViewAsync(HttpClient http, string id)
    {
        using var response = await http.GetAsync($"/api/ai-jobs/{id}");
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {id}: {(int)response.StatusCode} {text}");
        using var doc = JsonDocument.Parse(text);
        return doc.RootElement.GetProperty("data").Clone();
    }
}
