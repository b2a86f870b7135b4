using Microsoft.Extensions.DependencyInjection;
using Nexus.Crds.Entities;
using Nexus.Tests.Support;

namespace Nexus.Tests.Gateway.Options;

/// <summary><c>POST /api/ai-jobs/{id}/retry</c>: failed and cancelled jobs (live or archived) again, linked; others refused.</summary>
public sealed class JobRetryTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private GatewayHarness H => fixture.Harness;

    private async Task<string> DispatchAsync(string key)
    {
        var response = await H.PostAsync("/api/ai-jobs", key, new
        {
            type = JobTypes.CompetitorScan,
            @params = new { skus = new[] { "SKU-007" }, marketplace = "amazon_us" },
            priority = "high",
            max_retries = 1,
            timeout_seconds = 200,
            metadata = new Dictionary<string, string> { ["order"] = "po-9" },
        });
        Assert.True(response.Status == 202, response.Text);
        return response.Data.GetProperty("id").GetString()!;
    }

    /// <summary>What the operator does, then waits until the gateway's cache has it.</summary>
    private async Task FinishAsync(string id, string phase)
    {
        var name = GatewayHarness.NameOf(id);
        var job = await H.ReadJobAsync(name);
        await H.WriteStatusAsync(job, new AiJobStatus
        {
            Phase = phase,
            Error = phase == JobPhases.Failed ? new AiJobError { Code = "WORKER_TIMEOUT", Message = "timed out", RetryCount = 1 } : null,
        });
        var cache = H.Gateway.Services.GetRequiredService<Nexus.Gateway.Cache.JobCache>();
        await Wait.UntilAsync(() => cache.TryGet(name, out var cached) && cached.Phase == phase, $"the gateway sees {phase}");
    }

    private async Task AssertRetryOfAsync(string key, string first)
    {
        var retried = await H.PostAsync($"/api/ai-jobs/{first}/retry", key, "");
        Assert.True(retried.Status == 202, retried.Text);
        var data = retried.Data;
        var id = data.GetProperty("id").GetString()!;
        Assert.NotEqual(first, id);
        Assert.Equal($"/api/ai-jobs/{id}", retried.Message.Headers.Location!.ToString());
        Assert.Equal("queued", data.GetProperty("status").GetString());
        Assert.Equal(first, data.GetProperty("retry_of").GetString());
        Assert.Equal(JobTypes.CompetitorScan, data.GetProperty("type").GetString());
        Assert.Equal("high", data.GetProperty("priority").GetString());
        Assert.Equal(1, data.GetProperty("max_retries").GetInt32());
        Assert.Equal(200, data.GetProperty("timeout_seconds").GetInt32());
        Assert.Equal("po-9", data.GetProperty("metadata").GetProperty("order").GetString());
        Assert.Equal("SKU-007", data.GetProperty("params").GetProperty("skus")[0].GetString());

        var job = await H.ReadJobAsync(GatewayHarness.NameOf(id));
        Assert.Equal(first, job.Spec.RetryOf);
        Assert.Equal(1, job.Spec.MaxRetries);
        Assert.Equal(200, job.Spec.TimeoutSeconds);
        Assert.Equal("high", job.Spec.Priority);
        Assert.Equal("po-9", job.Spec.Metadata!["order"]);
        Assert.Equal(first, (await H.GetAsync($"/api/ai-jobs/{id}", key)).Data.GetProperty("retry_of").GetString());
    }

    [Theory]
    [InlineData(JobPhases.Failed)]
    [InlineData(JobPhases.Cancelled)]
    public async Task A_live_failed_or_cancelled_job_is_dispatched_again(string phase)
    {
        var key = await H.CreateKeyAsync(GatewayFixture.NewTenant());
        var first = await DispatchAsync(key);
        await FinishAsync(first, phase);
        await AssertRetryOfAsync(key, first);
    }

    [Fact]
    public async Task An_archived_failed_job_is_dispatched_again_and_its_retry_is_archived_with_the_link()
    {
        var key = await H.CreateKeyAsync(GatewayFixture.NewTenant());
        var first = await DispatchAsync(key);
        await FinishAsync(first, JobPhases.Failed);
        await H.ArchiveAsync(first, delete: true);
        await AssertRetryOfAsync(key, first);

        var retry = (await H.GetAsync($"/api/ai-jobs?metadata.order=po-9&status=queued", key)).Data[0].GetProperty("id").GetString()!;
        await FinishAsync(retry, JobPhases.Cancelled);
        await H.ArchiveAsync(retry, delete: true);
        var archived = await H.GetAsync($"/api/ai-jobs/{retry}", key);
        Assert.Equal(first, archived.Data.GetProperty("retry_of").GetString());
    }

    [Theory]
    [InlineData(null, "queued")]
    [InlineData(JobPhases.Running, "running")]
    [InlineData(JobPhases.Completed, "completed")]
    public async Task Queued_running_and_completed_jobs_are_not_retryable(string? phase, string status)
    {
        var key = await H.CreateKeyAsync(GatewayFixture.NewTenant());
        var first = await DispatchAsync(key);
        if (phase is not null) await FinishAsync(first, phase);
        var refused = await H.PostAsync($"/api/ai-jobs/{first}/retry", key, "");
        Assert.Equal(409, refused.Status);
        Assert.Equal("JOB_NOT_RETRYABLE", refused.ErrorCode);
        Assert.Contains(status, refused.Text);
    }

    [Fact]
    public async Task An_archived_completed_job_is_not_retryable()
    {
        var key = await H.CreateKeyAsync(GatewayFixture.NewTenant());
        var first = await DispatchAsync(key);
        await FinishAsync(first, JobPhases.Completed);
        await H.ArchiveAsync(first, delete: true);
        var refused = await H.PostAsync($"/api/ai-jobs/{first}/retry", key, "");
        Assert.Equal(409, refused.Status);
        Assert.Equal("JOB_NOT_RETRYABLE", refused.ErrorCode);
    }

    [Fact]
    public async Task Another_tenants_job_and_unknown_ids_are_JOB_NOT_FOUND()
    {
        var owner = await H.CreateKeyAsync(GatewayFixture.NewTenant());
        var stranger = await H.CreateKeyAsync(GatewayFixture.NewTenant());
        var live = await DispatchAsync(owner);
        await FinishAsync(live, JobPhases.Failed);
        var archived = await DispatchAsync(owner);
        await FinishAsync(archived, JobPhases.Failed);
        await H.ArchiveAsync(archived, delete: true);
        foreach (var path in new[] { $"/api/ai-jobs/{live}/retry", $"/api/ai-jobs/{archived}/retry", "/api/ai-jobs/job_01HXK9MZPQ3B8C7D2E5F6G/retry", "/api/ai-jobs/not%20an%20id/retry" })
        {
            var refused = await H.PostAsync(path, stranger, "");
            Assert.True(refused.Status == 404, $"{path}: {refused.Text}");
            Assert.Equal("JOB_NOT_FOUND", refused.ErrorCode);
        }
        var readOnly = await H.CreateKeyAsync(GatewayFixture.NewTenant(), "ai-jobs:read");
        Assert.Equal("INSUFFICIENT_SCOPE", (await H.PostAsync($"/api/ai-jobs/{live}/retry", readOnly, "")).ErrorCode);
    }

    [Fact]
    public async Task A_repeat_with_the_same_Idempotency_Key_answers_the_first_retry()
    {
        var key = await H.CreateKeyAsync(GatewayFixture.NewTenant());
        var first = await DispatchAsync(key);
        await FinishAsync(first, JobPhases.Failed);
        var headers = new Dictionary<string, string> { ["Idempotency-Key"] = "retry-" + Guid.NewGuid().ToString("N") };
        var one = await H.PostAsync($"/api/ai-jobs/{first}/retry", key, "", headers: headers);
        var two = await H.PostAsync($"/api/ai-jobs/{first}/retry", key, "", headers: headers);
        Assert.Equal(202, one.Status);
        Assert.Equal(202, two.Status);
        Assert.Equal(one.Data.GetProperty("id").GetString(), two.Data.GetProperty("id").GetString());
        Assert.Equal("true", two.Message.Headers.GetValues("Idempotent-Replayed").Single());
        // The same key on a plain dispatch of the same job is another request.
        var dispatch = await H.PostAsync("/api/ai-jobs", key, new
        {
            type = JobTypes.CompetitorScan, @params = new { skus = new[] { "SKU-007" }, marketplace = "amazon_us" }, priority = "high",
            max_retries = 1, timeout_seconds = 200, metadata = new Dictionary<string, string> { ["order"] = "po-9" },
        }, headers: headers);
        Assert.Equal("IDEMPOTENCY_KEY_REUSED", dispatch.ErrorCode);
    }
}
