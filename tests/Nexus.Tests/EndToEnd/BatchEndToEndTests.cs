using System.Text.Json.Nodes;

namespace Nexus.Tests.EndToEnd;

[Collection(PlatformCollection.Name)]
public sealed class BatchEndToEndTests(PlatformStack stack)
{
    [Fact]
    public async Task Sequential_batch_runs_its_jobs_in_order()
    {
        using var api = new JobsApi(stack.Gateway, stack.ApiKey, stack.Tenant);
        var (status, body) = await api.DispatchBatchAsync(new
        {
            jobs = new object[]
            {
                new { type = "competitor_scan", @params = new { skus = new[] { "SKU-001" }, marketplace = "amazon_us" } },
                new { type = "pricing_recalculate", @params = new { skus = new[] { "SKU-001" }, marketplace = "amazon_us", apply = false } },
                new { type = "listing_optimize", @params = new { skus = new[] { "SKU-001" }, marketplace = "amazon_us" } },
            },
            sequential = true,
        });

        Assert.Equal(202, (int)status);
        Assert.Matches("^batch_[0-9A-Z]{26}$", body!["data"]!["batch_id"]!.GetValue<string>());
        var jobs = body["data"]!["jobs"]!.AsArray();
        Assert.Equal(["competitor_scan", "pricing_recalculate", "listing_optimize"], jobs.Select(j => j!["type"]!.GetValue<string>()));
        Assert.All(jobs, j => Assert.Equal("queued", j!["status"]!.GetValue<string>()));

        var done = new List<JsonNode>();
        foreach (var job in jobs) done.Add(await api.WaitTerminalAsync(job!["id"]!.GetValue<string>()));
        Assert.All(done, d => Assert.Equal("completed", d["status"]!.GetValue<string>()));
        for (var i = 1; i < done.Count; i++)
        {
            // Each job starts only after its predecessor completed.
            Assert.True(Time(done[i]["started_at"]) >= Time(done[i - 1]["completed_at"]),
                $"job {i} started {done[i]["started_at"]} before job {i - 1} completed {done[i - 1]["completed_at"]}");
        }
    }

    [Fact]
    public async Task Sequential_batch_cancels_the_rest_when_a_job_fails()
    {
        using var api = new JobsApi(stack.Gateway, stack.ApiKey, stack.Tenant);
        var (status, body) = await api.DispatchBatchAsync(new
        {
            jobs = new object[]
            {
                // An SKU the tenant does not have: valid input, but the worker fails the job (not retryable).
                new { type = "pricing_recalculate", @params = new { skus = new[] { "SKU-NOT-THERE" }, marketplace = "amazon_us" } },
                new { type = "competitor_scan", @params = new { skus = new[] { "SKU-001" }, marketplace = "amazon_us" } },
            },
            sequential = true,
        });
        Assert.Equal(202, (int)status);
        var jobs = body!["data"]!["jobs"]!.AsArray();

        var first = await api.WaitTerminalAsync(jobs[0]!["id"]!.GetValue<string>());
        var second = await api.WaitTerminalAsync(jobs[1]!["id"]!.GetValue<string>());
        Assert.Equal("failed", first["status"]!.GetValue<string>());
        Assert.Equal("cancelled", second["status"]!.GetValue<string>());
        Assert.Equal("DEPENDENCY_FAILED", second["error"]!["code"]!.GetValue<string>());
        Assert.Null(second["started_at"]);
    }

    [Fact]
    public async Task Parallel_batch_completes_every_job()
    {
        using var api = new JobsApi(stack.Gateway, stack.ApiKey, stack.Tenant);
        var (status, body) = await api.DispatchBatchAsync(new
        {
            jobs = new object[]
            {
                new { type = "review_sentiment", @params = new { skus = new[] { "SKU-003" } } },
                new { type = "return_classify", @params = new { skus = new[] { "SKU-004" } } },
                new { type = "competitor_scan", @params = new { skus = new[] { "SKU-005" }, marketplace = "amazon_us" } },
            },
        });
        Assert.Equal(202, (int)status);
        var ids = body!["data"]!["jobs"]!.AsArray().Select(j => j!["id"]!.GetValue<string>()).ToList();
        var done = await Task.WhenAll(ids.Select(id => api.WaitTerminalAsync(id)));
        Assert.All(done, d => Assert.Equal("completed", d["status"]!.GetValue<string>()));
    }

    private static DateTime Time(JsonNode? node) => DateTime.Parse(node!.GetValue<string>()).ToUniversalTime();
}
