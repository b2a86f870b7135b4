using Nexus.Crds.Entities;

namespace Nexus.Tests.Gateway.Options;

/// <summary><c>max_retries</c> and <c>timeout_seconds</c> over REST: validated, put on the AiJob, echoed by every view.</summary>
public sealed class JobOptionsTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private GatewayHarness H => fixture.Harness;

    private static Dictionary<string, object?> Body(string type = JobTypes.PricingRecalculate) => new()
    {
        ["type"] = type,
        ["params"] = new { skus = new[] { "SKU-001" }, marketplace = "amazon_us" },
    };

    [Fact]
    public async Task Given_options_reach_the_AiJob_and_every_view()
    {
        var tenant = GatewayFixture.NewTenant();
        var key = await H.CreateKeyAsync(tenant);
        var body = Body();
        body["max_retries"] = 0;
        body["timeout_seconds"] = 45;
        var dispatched = await H.PostAsync("/api/ai-jobs", key, body);
        Assert.True(dispatched.Status == 202, dispatched.Text);
        Assert.Equal(0, dispatched.Data.GetProperty("max_retries").GetInt32());
        Assert.Equal(45, dispatched.Data.GetProperty("timeout_seconds").GetInt32());
        var id = dispatched.Data.GetProperty("id").GetString()!;

        var job = await H.ReadJobAsync(GatewayHarness.NameOf(id));
        Assert.Equal(0, job.Spec.MaxRetries);
        Assert.Equal(45, job.Spec.TimeoutSeconds);
        Assert.Equal(TimeSpan.FromSeconds(45), JobTimes.Timeout(job));

        var read = await H.GetAsync($"/api/ai-jobs/{id}", key);
        Assert.Equal(0, read.Data.GetProperty("max_retries").GetInt32());
        Assert.Equal(45, read.Data.GetProperty("timeout_seconds").GetInt32());

        // Finished and archived, then gone from etcd: the history database's record shows them too.
        await H.WriteStatusAsync(job, new AiJobStatus { Phase = JobPhases.Failed, Error = new AiJobError { Code = "X", Message = "m" } });
        await H.ArchiveAsync(id, delete: true);
        var archived = await H.GetAsync($"/api/ai-jobs/{id}", key);
        Assert.True(archived.Status == 200, archived.Text);
        Assert.Equal(0, archived.Data.GetProperty("max_retries").GetInt32());
        Assert.Equal(45, archived.Data.GetProperty("timeout_seconds").GetInt32());
    }

    [Fact]
    public async Task Without_options_the_view_shows_the_defaults_in_effect()
    {
        var key = await H.CreateKeyAsync(GatewayFixture.NewTenant());
        var dispatched = await H.PostAsync("/api/ai-jobs", key, Body(JobTypes.LlmVisibilityScore));
        Assert.True(dispatched.Status == 202, dispatched.Text);
        Assert.Equal(JobOptions.DefaultMaxRetries, dispatched.Data.GetProperty("max_retries").GetInt32());
        Assert.Equal(600, dispatched.Data.GetProperty("timeout_seconds").GetInt32()); // 2 × 300 s
        var job = await H.ReadJobAsync(GatewayHarness.NameOf(dispatched.Data.GetProperty("id").GetString()!));
        Assert.Null(job.Spec.TimeoutSeconds);
        Assert.Equal(JobOptions.DefaultMaxRetries, job.Spec.MaxRetries);
    }

    [Theory]
    [InlineData("max_retries", "6")]
    [InlineData("max_retries", "-1")]
    [InlineData("max_retries", "1.5")]
    [InlineData("max_retries", "\"2\"")]
    [InlineData("max_retries", "true")]
    [InlineData("timeout_seconds", "0")]
    [InlineData("timeout_seconds", "601")] // pricing_recalculate: at most 10 × 60 s
    [InlineData("timeout_seconds", "1e3")]
    [InlineData("timeout_seconds", "[]")]
    public async Task Bad_option_values_are_INVALID_REQUEST_naming_the_field(string field, string value)
    {
        var key = await H.CreateKeyAsync(GatewayFixture.NewTenant());
        var body = $$"""{"type": "pricing_recalculate", "params": {"skus": ["SKU-001"], "marketplace": "amazon_us"}, "{{field}}": {{value}}}""";
        var response = await H.PostAsync("/api/ai-jobs", key, body);
        Assert.Equal(422, response.Status);
        Assert.Equal("INVALID_REQUEST", response.ErrorCode);
        var detail = Assert.Single(response.Json.GetProperty("error").GetProperty("details").EnumerateArray());
        Assert.Equal(field, detail.GetProperty("field").GetString());
    }

    [Fact]
    public async Task The_timeout_bound_follows_the_type()
    {
        var key = await H.CreateKeyAsync(GatewayFixture.NewTenant());
        var body = Body(JobTypes.LlmVisibilityScore);
        body["timeout_seconds"] = 3000; // 10 × 300 s: allowed for llm_visibility_score, refused for pricing_recalculate
        var llm = await H.PostAsync("/api/ai-jobs", key, body);
        body["type"] = JobTypes.PricingRecalculate;
        var pricing = await H.PostAsync("/api/ai-jobs", key, body);
        Assert.True(llm.Status == 202, llm.Text);
        Assert.Equal(3000, llm.Data.GetProperty("timeout_seconds").GetInt32());
        Assert.Equal(422, pricing.Status);
        Assert.Contains("between 1 and 600", pricing.Text);
        Assert.Equal(3000, JobOptions.MaxTimeoutSeconds(JobTypes.LlmVisibilityScore));
    }

    [Fact]
    public async Task Batch_items_take_the_options_and_validate_each()
    {
        var key = await H.CreateKeyAsync(GatewayFixture.NewTenant());
        var good = Body(JobTypes.CompetitorScan);
        good["max_retries"] = 5;
        good["timeout_seconds"] = 600;
        var bad = Body(JobTypes.CompetitorScan);
        bad["max_retries"] = 9;
        var refused = await H.PostAsync("/api/ai-jobs/batch", key, new { jobs = new[] { good, bad } });
        Assert.Equal(422, refused.Status);
        Assert.Equal("INVALID_REQUEST", refused.ErrorCode);
        Assert.Equal("jobs[1].max_retries", refused.Json.GetProperty("error").GetProperty("details")[0].GetProperty("field").GetString());

        var accepted = await H.PostAsync("/api/ai-jobs/batch", key, new { jobs = new[] { good } });
        Assert.True(accepted.Status == 202, accepted.Text);
        var id = accepted.Data.GetProperty("jobs")[0].GetProperty("id").GetString()!;
        // The child is built from the batch item (NewJob.BatchChild), with the item's options.
        var child = await H.ReadJobAsync(GatewayHarness.NameOf(id));
        Assert.Equal(5, child.Spec.MaxRetries);
        Assert.Equal(600, child.Spec.TimeoutSeconds);
    }
}
