using Nexus.Crds.Entities;
using Nexus.Gateway;
using Nexus.Tests.History;
using Nexus.Tests.Support;

namespace Nexus.Tests.Gateway;

/// <summary>A PostgreSQL of the outage tests' own (stopping the shared one would fail other classes), and a gateway on it.</summary>
public sealed class GatewayOwnDatabaseFixture : IAsyncLifetime
{
    public PostgresServer Server { get; private set; } = null!;
    public GatewayHarness Harness { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Server = await PostgresServer.StartOwnAsync("gateway-outage");
        Harness = await GatewayHarness.StartAsync(o => o with { DatabaseTimeoutSeconds = 2 }, Server);
    }

    public async Task DisposeAsync()
    {
        await Harness.DisposeAsync();
        await Server.DisposeAsync();
    }
}

/// <summary>
/// The gateway with its database down: live jobs are served and dispatched, whatever needs the database answers 503
/// HISTORY_UNAVAILABLE (never a 500, never a hang), and all is well again once the database is back. Each test
/// leaves the database running.
/// </summary>
public sealed class HistoryOutageTests(GatewayOwnDatabaseFixture fixture) : IClassFixture<GatewayOwnDatabaseFixture>
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);
    private GatewayHarness H => fixture.Harness;

    private static async Task<Response> Within(Task<Response> call) => await call.WaitAsync(Bound);

    [Fact]
    public async Task With_the_database_down_live_jobs_are_served_and_dispatched_and_archived_reads_answer_503()
    {
        var tenant = GatewayFixture.NewTenant();
        var key = await H.CreateKeyAsync(tenant);
        var archived = await H.DispatchAsync(key);
        await H.WriteStatusAsync(await H.ReadJobAsync(GatewayHarness.NameOf(archived)), new AiJobStatus
        {
            Phase = JobPhases.Completed, StartedAt = DateTime.UtcNow.AddSeconds(-1), CompletedAt = DateTime.UtcNow,
            Result = SampleJobs.Json("""{"processed_count":1}"""),
        });
        await Wait.UntilAsync(async () => (await H.GetAsync($"/api/ai-jobs/{archived}", key)).Data.GetProperty("status").GetString() == "completed", "completed");
        await H.ArchiveAsync(archived, delete: true);
        var finishedNotArchived = await H.DispatchAsync(key);
        await H.WriteStatusAsync(await H.ReadJobAsync(GatewayHarness.NameOf(finishedNotArchived)), new AiJobStatus
        {
            Phase = JobPhases.Completed, StartedAt = DateTime.UtcNow.AddSeconds(-1), CompletedAt = DateTime.UtcNow,
            Result = SampleJobs.Json("""{"processed_count":7}"""),
        });
        var queued = await H.DispatchAsync(key);
        await Wait.UntilAsync(async () => (await H.GetAsync($"/api/ai-jobs/{finishedNotArchived}", key)).Data.GetProperty("status").GetString() == "completed", "completed");

        await fixture.Server.StopAsync();
        try
        {
            Assert.Equal("queued", (await Within(H.GetAsync($"/api/ai-jobs/{queued}", key))).Data.GetProperty("status").GetString());
            var notArchived = await Within(H.GetAsync($"/api/ai-jobs/{finishedNotArchived}", key));
            Assert.Equal(7, notArchived.Data.GetProperty("result").GetProperty("processed_count").GetInt32());
            Assert.Equal(202, (await Within(H.PostAsync("/api/ai-jobs", key, GatewayHarness.PricingBody()))).Status);
            Assert.Equal(204, (await Within(H.DeleteAsync($"/api/ai-jobs/{queued}", key))).Status);

            foreach (var call in new Func<Task<Response>>[]
                     {
                         () => H.GetAsync($"/api/ai-jobs/{archived}", key),
                         () => H.GetAsync("/api/ai-jobs", key),
                         () => H.GetAsync($"/api/ai-jobs/batch/batch_{Ulid.NewUlid(DateTimeOffset.UtcNow.AddHours(-1))}", key),
                         () => H.PostAsync("/api/ai-jobs", key, GatewayHarness.PricingBody(), headers: new Dictionary<string, string> { ["Idempotency-Key"] = "k-down" }),
                     })
            {
                var down = await Within(call());
                Assert.True(down.Status == 503, down.Text);
                Assert.Equal("HISTORY_UNAVAILABLE", down.ErrorCode);
                Assert.NotNull(down.Message.Headers.RetryAfter);
            }
        }
        finally
        {
            await fixture.Server.StartAsync();
        }

        // Back: the first call after the restart is answered from the database again.
        var again = await Within(H.GetAsync($"/api/ai-jobs/{archived}", key));
        Assert.Equal(200, again.Status);
        Assert.Equal(1, again.Data.GetProperty("result").GetProperty("processed_count").GetInt32());
        Assert.Equal(202, (await Within(H.PostAsync("/api/ai-jobs", key, GatewayHarness.PricingBody(), headers: new Dictionary<string, string> { ["Idempotency-Key"] = "k-down" }))).Status);
    }

    [Fact]
    public async Task A_gateway_started_while_the_database_is_down_is_not_ready_until_it_is_back_and_migrated()
    {
        await fixture.Server.StopAsync();
        RunningGateway? replica = null;
        try
        {
            // The harness's database, already migrated: this replica still must reach it before it is ready.
            replica = await GatewayApp.StartAsync(H.Options);
            using var http = new HttpClient { BaseAddress = replica.BaseAddress };
            var key = await H.CreateKeyAsync(GatewayFixture.NewTenant());
            await Wait.UntilAsync(() => replica.Services.GetService(typeof(Nexus.Gateway.Auth.ApiKeyCache)) is Nexus.Gateway.Auth.ApiKeyCache k && k.FindByKey(key) is not null, "the new gateway sees the key");
            using var ready = await http.GetAsync("/readyz").WaitAsync(Bound);
            Assert.Equal(503, (int)ready.StatusCode);
            Assert.Contains("history database", await ready.Content.ReadAsStringAsync());
            using var request = new HttpRequestMessage(HttpMethod.Get, "/api/ai-jobs");
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
            using var list = await http.SendAsync(request).WaitAsync(Bound);
            Assert.Equal(503, (int)list.StatusCode);
            Assert.Contains("HISTORY_UNAVAILABLE", await list.Content.ReadAsStringAsync());

            await fixture.Server.StartAsync();
            await replica.WaitReadyAsync(TimeSpan.FromSeconds(90));
            using var readyNow = await http.GetAsync("/readyz");
            Assert.Equal(200, (int)readyNow.StatusCode);
        }
        finally
        {
            await fixture.Server.StartAsync();
            if (replica is not null) await replica.DisposeAsync();
        }
    }
}
