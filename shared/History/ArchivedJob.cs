using System.Text.Json;
using System.Text.Json.Serialization;
using Nexus.Crds.Entities;

namespace Nexus.Shared.History;

/// <summary>
/// A finished job as the archive keeps it: every field the REST view shows, and every attempt. Written whole by
/// <see cref="JobArchive.ArchiveAsync(ArchivedJob, CancellationToken)"/>; read back by tenant and id.
/// </summary>
public sealed record ArchivedJob
{
    /// <summary>The REST id (<c>job_&lt;ULID&gt;</c>; a name not made by the gateway is kept as it is).</summary>
    public required string Id { get; init; }
    public required string Tenant { get; init; }
    public required string Type { get; init; }
    /// <summary>The terminal phase as the CRD spells it (<see cref="JobPhases"/>): Completed, Failed or Cancelled.</summary>
    public required string Status { get; init; }
    public string Priority { get; init; } = Priorities.Normal;
    public JsonElement? Params { get; init; }
    public ArchivedError? Error { get; init; }
    /// <summary>Creation time; stored to the millisecond (the precision of the ULID and of the API).</summary>
    public required DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset? StartedAt { get; init; }
    public DateTimeOffset? CompletedAt { get; init; }
    public DateTimeOffset? EstimatedCompletionAt { get; init; }
    /// <summary>The REST id of the batch (<c>batch_&lt;ULID&gt;</c>) and the job's place in it.</summary>
    public string? BatchId { get; init; }
    public int? BatchIndex { get; init; }
    public IReadOnlyList<JobAttempt> Attempts { get; init; } = [];

    /// <summary>The retry budget it ran with (<c>spec.maxRetries</c>); null in records archived before it was kept.</summary>
    public int? MaxRetries { get; init; }

    /// <summary>The attempt deadline the job asked for (<c>spec.timeoutSeconds</c>); null: the type's default applied.</summary>
    public int? TimeoutSeconds { get; init; }

    /// <summary>The client's labels (<c>spec.metadata</c>); null when none were given.</summary>
    public IReadOnlyDictionary<string, string>? Metadata { get; init; }

    /// <summary>The REST id of the job this one retries (<c>spec.retryOf</c>).</summary>
    public string? RetryOf { get; init; }

    /// <summary>
    /// The job's own webhook (<c>spec.callbackUrl</c>). On write only: the first archive of the job enqueues its
    /// terminal event for this URL; it is not kept in the job's row, so reads leave it null.
    /// </summary>
    public string? CallbackUrl { get; init; }

    /// <summary>
    /// The result. On write: stored (compressed) with the record when set; when null, a result stored before with
    /// <see cref="JobArchive.StoreResultAsync(string, string, JsonElement, CancellationToken)"/> is kept. On read:
    /// filled only when the result was asked for.
    /// </summary>
    public JsonElement? Result { get; init; }

    /// <summary>On read: the uncompressed size of the stored result in bytes; null when there is none.</summary>
    public long? ResultSizeBytes { get; init; }

    /// <summary>
    /// The record of a finished AiJob. <paramref name="attempts"/> is the operator's attempt history; without it the
    /// status's <c>attemptHistory</c> is used, or (a job finished before the status kept one) the last attempt is
    /// taken from the status (worker, start, end, error). <paramref name="result"/> is the result when
    /// it is at hand (inline in the status, or just received); leave it null when it was stored by reference.
    /// </summary>
    public static ArchivedJob FromAiJob(AiJob job, IReadOnlyList<JobAttempt>? attempts = null, JsonElement? result = null)
    {
        var name = job.Metadata.Name ?? throw new ArgumentException("the AiJob has no name", nameof(job));
        var status = job.Status;
        var phase = JobPhases.OrQueued(status?.Phase);
        if (!JobPhases.IsTerminal(phase)) throw new ArgumentException($"AiJob {name} is {phase}: only finished jobs are archived", nameof(job));
        return new ArchivedJob
        {
            Id = ResourceIds.JobIdFromName(name),
            Tenant = job.Spec.Tenant,
            Type = job.Spec.Type,
            Status = phase,
            Priority = job.Spec.Priority,
            Params = job.Spec.Params,
            Error = status?.Error is { } e ? new ArchivedError(e.Code, e.Message, e.RetryCount) : null,
            CreatedAt = JobTimes.CreatedAt(name, job.Metadata.CreationTimestamp),
            StartedAt = Utc(status?.StartedAt),
            CompletedAt = Utc(status?.CompletedAt),
            EstimatedCompletionAt = Utc(status?.EstimatedCompletionAt),
            BatchId = job.Spec.Batch is { Name.Length: > 0 } b ? ResourceIds.BatchIdFromName(b.Name) : null,
            BatchIndex = job.Spec.Batch?.Index,
            Attempts = attempts ?? EndedAttemptsOf(status) ?? LastAttemptOf(status, phase),
            MaxRetries = job.Spec.MaxRetries,
            TimeoutSeconds = job.Spec.TimeoutSeconds,
            Metadata = MetadataOf(job.Spec),
            RetryOf = string.IsNullOrEmpty(job.Spec.RetryOf) ? null : job.Spec.RetryOf,
            CallbackUrl = string.IsNullOrEmpty(job.Spec.CallbackUrl) ? null : job.Spec.CallbackUrl,
            Result = result ?? (phase == JobPhases.Completed ? status?.Result : null),
        };
    }

    /// <summary>The ended attempts <c>status.attemptHistory</c> records, oldest first; null when it records none.</summary>
    public static IReadOnlyList<JobAttempt>? EndedAttemptsOf(AiJobStatus? status) =>
        status?.AttemptHistory is { Count: > 0 } list
            ? list.Select(a => new JobAttempt(a.Number, a.Pool, a.Instance, JobTimes.AsUtc(a.StartedAt), Utc(a.EndedAt), a.Outcome, a.ErrorCode)).ToList()
            : null;

    /// <summary>A spec's metadata as records keep it: null when empty.</summary>
    public static IReadOnlyDictionary<string, string>? MetadataOf(AiJobSpec spec) =>
        spec.Metadata is { Count: > 0 } m ? new Dictionary<string, string>(m, StringComparer.Ordinal) : null;

    internal static DateTimeOffset? Utc(DateTime? time) => time is { } t ? JobTimes.AsUtc(t) : null;

    private static List<JobAttempt> LastAttemptOf(AiJobStatus? status, string phase)
    {
        if (status?.StartedAt is not { } started) return []; // cancelled while queued: never attempted
        var number = Math.Max(1, status.Attempts);
        return [new JobAttempt(number, status.Worker?.Pool, status.Worker?.Instance, Utc(started)!.Value, Utc(status.CompletedAt),
            phase, phase == JobPhases.Completed ? null : status.Error?.Code)];
    }
}

/// <summary>The error of a failed or cancelled job, as the view shows it.</summary>
public sealed record ArchivedError(
    [property: JsonPropertyName("code")] string Code,
    [property: JsonPropertyName("message")] string Message,
    [property: JsonPropertyName("retry_count")] int RetryCount);

/// <summary>One attempt of a job: which worker instance ran it, when, and how it ended.</summary>
/// <param name="Number">1 for the first attempt.</param>
/// <param name="Outcome">How it ended: Completed, Failed (retried or final), Cancelled, or a code the operator uses such as TimedOut.</param>
/// <param name="ErrorCode">The error code of a failed attempt.</param>
public sealed record JobAttempt(
    [property: JsonPropertyName("number")] int Number,
    [property: JsonPropertyName("pool")] string? Pool,
    [property: JsonPropertyName("instance")] string? Instance,
    [property: JsonPropertyName("started_at")] DateTimeOffset StartedAt,
    [property: JsonPropertyName("ended_at")] DateTimeOffset? EndedAt,
    [property: JsonPropertyName("outcome")] string Outcome,
    [property: JsonPropertyName("error_code")] string? ErrorCode);
