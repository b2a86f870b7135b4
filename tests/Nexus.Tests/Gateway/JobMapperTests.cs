using System.Text.Json;
using Nexus.Crds.Entities;
using Nexus.Gateway.Api;
using Nexus.Gateway.Cache;
using Nexus.Gateway.Jobs;

namespace Nexus.Tests.Gateway;

public class JobMapperTests
{
    private static JsonElement Serialize(object value) =>
        JsonDocument.Parse(JsonSerializer.Serialize(value, ApiJson.Options)).RootElement;

    [Fact]
    public void A_job_without_status_is_queued_with_its_creation_time_to_the_millisecond()
    {
        var created = new DateTimeOffset(2026, 3, 12, 14, 32, 1, 123, TimeSpan.Zero);
        var job = GatewayFixtures.Job(createdAt: created);
        var json = Serialize(JobMapper.ToView(CachedJob.From(job)));

        Assert.Equal("queued", json.GetProperty("status").GetString());
        Assert.Equal("2026-03-12T14:32:01.123Z", json.GetProperty("created_at").GetString());
        Assert.StartsWith("job_", json.GetProperty("id").GetString());
        Assert.Equal(ResourceIds.JobIdFromName(job.Metadata.Name), json.GetProperty("id").GetString());
        Assert.Equal("amazon_us", json.GetProperty("params").GetProperty("marketplace").GetString());
        Assert.False(json.TryGetProperty("result", out _));
        Assert.False(json.TryGetProperty("error", out _));
    }

    [Fact]
    public void A_completed_job_shows_result_timestamps_and_whole_second_duration()
    {
        var job = GatewayFixtures.Job(phase: JobPhases.Completed);
        job.Status!.StartedAt = new DateTime(2026, 3, 12, 14, 32, 5, DateTimeKind.Utc);
        job.Status.CompletedAt = new DateTime(2026, 3, 12, 14, 32, 32, DateTimeKind.Utc);
        job.Status.Result = JsonDocument.Parse("""{"processed_count":2,"updated_count":1}""").RootElement.Clone();
        var json = Serialize(JobMapper.ToView(CachedJob.From(job)));

        Assert.Equal("completed", json.GetProperty("status").GetString());
        Assert.Equal("2026-03-12T14:32:05.000Z", json.GetProperty("started_at").GetString());
        Assert.Equal("2026-03-12T14:32:32.000Z", json.GetProperty("completed_at").GetString());
        Assert.Equal(JsonValueKind.Number, json.GetProperty("duration_seconds").ValueKind);
        Assert.Equal(27, json.GetProperty("duration_seconds").GetInt32());
        Assert.Equal(2, json.GetProperty("result").GetProperty("processed_count").GetInt32());
        Assert.False(json.TryGetProperty("estimated_completion_at", out _));
    }

    [Fact]
    public void A_failed_job_shows_the_error_with_retry_count_in_snake_case()
    {
        var job = GatewayFixtures.Job(phase: JobPhases.Failed);
        job.Status!.Error = new AiJobError { Code = "WORKER_TIMEOUT", Message = "Worker did not respond within the timeout window", RetryCount = 2 };
        var json = Serialize(JobMapper.ToView(CachedJob.From(job)));

        Assert.Equal("failed", json.GetProperty("status").GetString());
        var error = json.GetProperty("error");
        Assert.Equal("WORKER_TIMEOUT", error.GetProperty("code").GetString());
        Assert.Equal(2, error.GetProperty("retry_count").GetInt32());
        Assert.False(error.TryGetProperty("retryCount", out _));
    }

    [Fact]
    public void The_estimate_given_at_dispatch_is_shown_while_the_job_waits()
    {
        var job = GatewayFixtures.Job();
        job.Metadata.Annotations = new Dictionary<string, string> { [JobAnnotations.EstimatedCompletionAt] = "2026-03-12T14:32:31.123Z" };
        var json = Serialize(JobMapper.ToDispatchView(CachedJob.From(job)));
        Assert.Equal("2026-03-12T14:32:31.123Z", json.GetProperty("estimated_completion_at").GetString());
        Assert.Equal("normal", json.GetProperty("priority").GetString());
    }

    [Fact]
    public void Batch_members_carry_their_batch_id()
    {
        var job = GatewayFixtures.Job();
        var batchName = ResourceIds.NewBatchName();
        job.Spec.Batch = new AiJobBatchRef { Name = batchName, Index = 0 };
        var json = Serialize(JobMapper.ToView(CachedJob.From(job)));
        Assert.Equal(ResourceIds.BatchIdFromName(batchName), json.GetProperty("batch_id").GetString());
        Assert.StartsWith("batch_", json.GetProperty("batch_id").GetString());
    }
}
