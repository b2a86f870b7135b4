using Nexus.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using k8s;
using Nexus.Crds.Entities;

namespace Nexus.Tests.Gateway;

public class IdempotencyAndQueueTests
{
    private static Dictionary<string, string> Key(string value) => new() { ["Idempotency-Key"] = value };

    private static async Task<int> CountJobsAsync(GatewayHarness h, string tenant)
    {
        var list = await h.Client.CustomObjects.ListNamespacedCustomObjectAsync<KubeList<AiJob>>(NexusGroup.Group,
            NexusGroup.Version, GatewayHarness.Namespace, AiJob.Plural, labelSelector: $"{NexusGroup.TenantLabel}={tenant}");
        return list.Items!.Count;
    }

    [Fact]
    public async Task A_repeated_idempotent_dispatch_returns_the_first_answer_even_after_a_restart()
    {
        await using var h = await GatewayHarness.StartAsync();
        var tenant = GatewayFixture.NewTenant();
        var key = await h.CreateKeyAsync(tenant);

        var first = await h.PostAsync("/api/ai-jobs", key, GatewayHarness.PricingBody(), headers: Key("order-42"));
        Assert.Equal(202, first.Status);
        // Concurrent repeats race the first record: still one job.
        var repeats = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ =>
            h.PostAsync("/api/ai-jobs", key, GatewayHarness.PricingBody(), headers: Key("order-42"))));
        foreach (var repeat in repeats)
        {
            Assert.Equal(202, repeat.Status);
            Assert.Equal(first.Data.ToString(), repeat.Data.ToString());
            Assert.Equal("true", repeat.Message.Headers.GetValues("Idempotent-Replayed").Single());
        }

        await h.RestartGatewayAsync();
        var afterRestart = await h.PostAsync("/api/ai-jobs", key, GatewayHarness.PricingBody(), headers: Key("order-42"));
        Assert.Equal(first.Data.GetProperty("id").GetString(), afterRestart.Data.GetProperty("id").GetString());
        Assert.Equal(first.Data.GetProperty("created_at").GetString(), afterRestart.Data.GetProperty("created_at").GetString());
        Assert.Equal(1, await CountJobsAsync(h, tenant));

        var reused = await h.PostAsync("/api/ai-jobs", key, GatewayHarness.PricingBody(priority: "high"), headers: Key("order-42"));
        Assert.Equal(422, reused.Status);
        Assert.Equal("IDEMPOTENCY_KEY_REUSED", reused.ErrorCode);

        // Another tenant may use the same key for its own request.
        var other = await h.CreateKeyAsync(GatewayFixture.NewTenant());
        var theirs = await h.PostAsync("/api/ai-jobs", other, GatewayHarness.PricingBody(priority: "high"), headers: Key("order-42"));
        Assert.Equal(202, theirs.Status);
        Assert.NotEqual(first.Data.GetProperty("id").GetString(), theirs.Data.GetProperty("id").GetString());

        var batchBody = new { jobs = new[] { GatewayHarness.PricingBody(), GatewayHarness.PricingBody() }, sequential = true };
        var batch1 = await h.PostAsync("/api/ai-jobs/batch", key, batchBody, headers: Key("batch-7"));
        var batch2 = await h.PostAsync("/api/ai-jobs/batch", key, batchBody, headers: Key("batch-7"));
        Assert.Equal(batch1.Data.ToString(), batch2.Data.ToString());
        Assert.Equal(3, await CountJobsAsync(h, tenant));
        Assert.Equal("IDEMPOTENCY_KEY_REUSED", (await h.PostAsync("/api/ai-jobs", key, GatewayHarness.PricingBody(), headers: Key("batch-7"))).ErrorCode);
    }

    [Fact]
    public async Task Dispatches_beyond_the_queue_limits_get_429_QUEUE_FULL_with_Retry_After()
    {
        await using var h = await GatewayHarness.StartAsync(o => o with { MaxQueuedJobsPerTenant = 3, MaxQueuedJobs = 5, QueueFullRetryAfterSeconds = 7 });
        var a = await h.CreateKeyAsync(GatewayFixture.NewTenant());
        var b = await h.CreateKeyAsync(GatewayFixture.NewTenant());

        var results = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => h.PostAsync("/api/ai-jobs", a, GatewayHarness.PricingBody())));
        Assert.Equal(3, results.Count(r => r.Status == 202));
        var full = results.First(r => r.Status == 429);
        Assert.Equal("QUEUE_FULL", full.ErrorCode);
        Assert.Equal(TimeSpan.FromSeconds(7), full.Message.Headers.RetryAfter!.Delta);

        // The batch of 3 would pass tenant b's limit but not the global one (3 + 3 > 5).
        var batch = await h.PostAsync("/api/ai-jobs/batch", b, new { jobs = new[] { GatewayHarness.PricingBody(), GatewayHarness.PricingBody(), GatewayHarness.PricingBody() } });
        Assert.Equal("QUEUE_FULL", batch.ErrorCode);
        Assert.Equal(202, (await h.PostAsync("/api/ai-jobs", b, GatewayHarness.PricingBody())).Status);

        // A job that leaves the queue frees its place.
        var id = results.First(r => r.Status == 202).Data.GetProperty("id").GetString()!;
        Assert.Equal(204, (await h.DeleteAsync($"/api/ai-jobs/{id}", a)).Status);
        await Nexus.Tests.Support.Wait.UntilAsync(async () =>
            (await h.PostAsync("/api/ai-jobs", a, GatewayHarness.PricingBody())).Status == 202, "a place frees up after the cancel");
    }
}
