using System.Text.Json;
using System.Text.Json.Serialization;

namespace Nexus.Gateway.Jobs;

/// <summary>A job as the API shows it; absent fields are left out of the JSON.</summary>
public sealed class JobView
{
    [JsonPropertyName("id")] public required string Id { get; init; }
    [JsonPropertyName("type")] public required string Type { get; init; }
    [JsonPropertyName("status")] public required string Status { get; init; }
    [JsonPropertyName("priority")] public string? Priority { get; init; }
    [JsonPropertyName("params")] public JsonElement? Params { get; init; }
    [JsonPropertyName("created_at")] public string? CreatedAt { get; init; }
    [JsonPropertyName("estimated_completion_at")] public string? EstimatedCompletionAt { get; init; }
    /// <summary>Queued jobs only: 1 = the next claimed among the jobs competing for its worker pool.</summary>
    [JsonPropertyName("queue_position")] public int? QueuePosition { get; init; }
    /// <summary>Running jobs only: the fraction done (0..1) the worker last reported.</summary>
    [JsonPropertyName("progress")] public double? Progress { get; init; }
    [JsonPropertyName("started_at")] public string? StartedAt { get; init; }
    [JsonPropertyName("completed_at")] public string? CompletedAt { get; init; }
    [JsonPropertyName("duration_seconds")] public int? DurationSeconds { get; init; }
    /// <summary>Every attempt so far, oldest first (at most <see cref="Nexus.Crds.Entities.AiJobAttempt.MaxKept"/>, the last ones); absent before the first.</summary>
    [JsonPropertyName("attempts")] public IReadOnlyList<JobAttemptView>? Attempts { get; init; }
    [JsonPropertyName("result")] public JsonElement? Result { get; init; }
    [JsonPropertyName("error")] public JobErrorView? Error { get; init; }
    [JsonPropertyName("batch_id")] public string? BatchId { get; init; }
    /// <summary>The retry budget in effect (given, else the default 2).</summary>
    [JsonPropertyName("max_retries")] public int? MaxRetries { get; init; }
    /// <summary>The attempt deadline in effect (given, else the type's default).</summary>
    [JsonPropertyName("timeout_seconds")] public int? TimeoutSeconds { get; init; }
    /// <summary>The client's labels, when given.</summary>
    [JsonPropertyName("metadata")] public IReadOnlyDictionary<string, string>? Metadata { get; init; }
    /// <summary>The id of the job this one retries (POST /api/ai-jobs/:id/retry).</summary>
    [JsonPropertyName("retry_of")] public string? RetryOf { get; init; }
}

public sealed record JobErrorView(
    [property: JsonPropertyName("code")] string Code,
    [property: JsonPropertyName("message")] string Message,
    [property: JsonPropertyName("retry_count")] int RetryCount);

/// <summary>One attempt of a job: the worker instance that ran it, when, and how it ended (<c>running</c> while it runs).</summary>
public sealed record JobAttemptView(
    [property: JsonPropertyName("number")] int Number,
    [property: JsonPropertyName("instance")] string? Instance,
    [property: JsonPropertyName("started_at")] string StartedAt,
    [property: JsonPropertyName("ended_at")] string? EndedAt,
    [property: JsonPropertyName("outcome")] string Outcome,
    [property: JsonPropertyName("error_code")] string? ErrorCode);

/// <summary>A batch member as listed in the dispatch answer: id, type, status.</summary>
public sealed record BatchJobSummary(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("status")] string Status);

public sealed record BatchDispatchView(
    [property: JsonPropertyName("batch_id")] string BatchId,
    [property: JsonPropertyName("jobs")] IReadOnlyList<BatchJobSummary> Jobs);

public sealed class BatchView
{
    [JsonPropertyName("batch_id")] public required string BatchId { get; init; }
    [JsonPropertyName("status")] public required string Status { get; init; }
    [JsonPropertyName("sequential")] public bool Sequential { get; init; }
    [JsonPropertyName("created_at")] public string? CreatedAt { get; init; }
    [JsonPropertyName("completed_at")] public string? CompletedAt { get; init; }
    [JsonPropertyName("counts")] public required BatchCountsView Counts { get; init; }
    [JsonPropertyName("jobs")] public required IReadOnlyList<JobView> Jobs { get; init; }
}

public sealed record BatchCountsView(
    [property: JsonPropertyName("total")] int Total,
    [property: JsonPropertyName("queued")] int Queued,
    [property: JsonPropertyName("running")] int Running,
    [property: JsonPropertyName("completed")] int Completed,
    [property: JsonPropertyName("failed")] int Failed,
    [property: JsonPropertyName("cancelled")] int Cancelled);

public sealed record DataEnvelope<T>([property: JsonPropertyName("data")] T Data);

public sealed record PageView(
    [property: JsonPropertyName("limit")] int Limit,
    [property: JsonPropertyName("has_more")] bool HasMore,
    [property: JsonPropertyName("next_cursor")] string? NextCursor);

public sealed record ListEnvelope(
    [property: JsonPropertyName("data")] IReadOnlyList<JobView> Data,
    [property: JsonPropertyName("pagination")] PageView Pagination);
