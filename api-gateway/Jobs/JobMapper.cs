using System.Globalization;
using System.Text.Json;
using Nexus.Crds.Entities;
using Nexus.Gateway.Api;
using Nexus.Gateway.Cache;
using Nexus.Shared.History;

namespace Nexus.Gateway.Jobs;

/// <summary>
/// A job → the API's job representation (lowercase status, snake_case, millisecond UTC timestamps). There is one
/// rendering, of an <see cref="ArchivedJob"/> record: a finished AiJob becomes one through the contract's
/// <see cref="ArchivedJob.FromAiJob"/> (exactly what the operator archives), a live one through <see cref="RecordOf"/>,
/// and a job read back from the history database already is one, so a job looks the same wherever it is read from.
/// </summary>
public static class JobMapper
{
    public static string StatusOf(string phase) => phase.ToLowerInvariant();

    public static JobView ToView(ArchivedJob job) => ToView(job, null, null);

    /// <param name="progress">A running job's relayed progress.</param>
    /// <param name="queuePosition">A queued job's relayed place in its pool's claim order.</param>
    public static JobView ToView(ArchivedJob job, double? progress, int? queuePosition)
    {
        var phase = job.Status;
        var terminal = JobPhases.IsTerminal(phase);
        return new JobView
        {
            Id = job.Id,
            Type = job.Type,
            Status = StatusOf(phase),
            Priority = job.Priority,
            Params = job.Params,
            CreatedAt = JobTimes.Format(job.CreatedAt),
            EstimatedCompletionAt = terminal ? null : Format(job.EstimatedCompletionAt),
            QueuePosition = phase == JobPhases.Queued ? queuePosition : null,
            Progress = phase == JobPhases.Running && progress is { } p ? Math.Round(p, 4) : null,
            StartedAt = Format(job.StartedAt),
            CompletedAt = terminal ? Format(job.CompletedAt) : null,
            DurationSeconds = terminal ? JobTimes.DurationSeconds(job.StartedAt?.UtcDateTime, job.CompletedAt?.UtcDateTime) : null,
            Attempts = AttemptViews(job.Attempts),
            Result = phase == JobPhases.Completed ? job.Result : null,
            Error = phase is JobPhases.Failed or JobPhases.Cancelled && job.Error is { } e ? new JobErrorView(e.Code, e.Message, e.RetryCount) : null,
            BatchId = job.BatchId,
            MaxRetries = job.MaxRetries,
            TimeoutSeconds = TimeoutOf(job),
            Metadata = job.Metadata,
            RetryOf = job.RetryOf,
        };
    }

    /// <summary>The deadline in effect: the one asked for, else the type's default.</summary>
    private static int TimeoutOf(ArchivedJob job) => job.TimeoutSeconds ?? JobOptions.DefaultTimeoutSeconds(job.Type);

    /// <summary>
    /// The record of a cached AiJob: a finished one as the operator archives it (with <paramref name="result"/> when
    /// its result is not in the object, as in the slim cache), a live one with the estimate it is shown with.
    /// </summary>
    public static ArchivedJob RecordOf(CachedJob cached, JsonElement? result = null)
    {
        var job = cached.Job;
        if (cached.IsTerminal) return ArchivedJob.FromAiJob(job, result: result);
        var status = job.Status;
        return new ArchivedJob
        {
            Id = ResourceIds.JobIdFromName(cached.Name),
            Tenant = cached.Tenant,
            Type = cached.Type,
            Status = cached.Phase,
            Priority = cached.Priority,
            Params = job.Spec.Params,
            CreatedAt = cached.CreatedAt,
            StartedAt = status?.StartedAt is { } started ? JobTimes.AsUtc(started) : null,
            EstimatedCompletionAt = cached.QueuedEstimate ?? EstimateOf(job),
            BatchId = job.Spec.Batch is { Name.Length: > 0 } b ? ResourceIds.BatchIdFromName(b.Name) : null,
            BatchIndex = job.Spec.Batch?.Index,
            Attempts = LiveAttemptsOf(status),
            MaxRetries = job.Spec.MaxRetries,
            TimeoutSeconds = job.Spec.TimeoutSeconds,
            Metadata = ArchivedJob.MetadataOf(job.Spec),
            RetryOf = string.IsNullOrEmpty(job.Spec.RetryOf) ? null : job.Spec.RetryOf,
        };
    }

    /// <summary>Outcomes as the view spells them; <see cref="Running"/> is the attempt a live job is on.</summary>
    public static readonly IReadOnlyList<string> Outcomes = ["running", "completed", "failed", "retried", "cancelled"];

    private const string Running = "running";

    /// <summary>A live job's attempts: the ended ones its status records, then the running one (its worker and start).</summary>
    private static IReadOnlyList<JobAttempt> LiveAttemptsOf(AiJobStatus? status)
    {
        var attempts = ArchivedJob.EndedAttemptsOf(status)?.ToList() ?? [];
        if (status is { Phase: JobPhases.Running, StartedAt: { } started, Attempts: > 0 } && attempts.All(a => a.Number != status.Attempts))
            attempts.Add(new JobAttempt(status.Attempts, status.Worker?.Pool, status.Worker?.Instance, JobTimes.AsUtc(started), null, Running, null));
        return attempts;
    }

    /// <summary>
    /// The attempts as the view shows them: the last <see cref="AiJobAttempt.MaxKept"/>, each field clipped to the bound
    /// the API document states, an outcome it does not list shown as failed (an attempt that ended without completing).
    /// </summary>
    private static List<JobAttemptView>? AttemptViews(IReadOnlyList<JobAttempt> attempts)
    {
        if (attempts.Count == 0) return null;
        return attempts.Skip(Math.Max(0, attempts.Count - AiJobAttempt.MaxKept)).Select(a =>
        {
            var outcome = a.Outcome?.ToLowerInvariant() ?? "";
            return new JobAttemptView(
                a.Number,
                a.Instance is { } i ? TextBounds.Clip(i, ApiBounds.IdMaxLength) : null,
                JobTimes.Format(a.StartedAt),
                Format(a.EndedAt),
                Outcomes.Contains(outcome) ? outcome : "failed",
                a.ErrorCode is { } c ? TextBounds.Clip(c, AiJobError.CodeMaxLength) : null);
        }).ToList();
    }

    /// <summary>The view of a cached job whose result (if any) is in the object or not needed.</summary>
    public static JobView ToView(CachedJob cached) => ToView(RecordOf(cached), cached.Progress, cached.QueuePosition);

    /// <summary>The dispatch answer: what was asked for, queued, and when it should be done.</summary>
    public static JobView ToDispatchView(ArchivedJob job) => new()
    {
        Id = job.Id,
        Type = job.Type,
        Status = StatusOf(JobPhases.Queued),
        Priority = job.Priority,
        Params = job.Params,
        CreatedAt = JobTimes.Format(job.CreatedAt),
        EstimatedCompletionAt = Format(job.EstimatedCompletionAt),
        MaxRetries = job.MaxRetries,
        TimeoutSeconds = TimeoutOf(job),
        Metadata = job.Metadata,
        RetryOf = job.RetryOf,
    };

    /// <summary>The dispatch answer of a cached job, with the estimate it was dispatched with (or the operator's refined one).</summary>
    public static JobView ToDispatchView(CachedJob cached) =>
        ToDispatchView(RecordOf(cached) with { EstimatedCompletionAt = EstimateOf(cached.Job) });

    /// <summary>The operator's refined estimate when it wrote one, else the one given at dispatch.</summary>
    private static DateTimeOffset? EstimateOf(AiJob job)
    {
        if (job.Status?.EstimatedCompletionAt is { } refined) return JobTimes.AsUtc(refined);
        if (job.Metadata.Annotations?.TryGetValue(JobAnnotations.EstimatedCompletionAt, out var text) == true
            && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
            return at.ToUniversalTime();
        return null;
    }

    private static string? Format(DateTimeOffset? time) => time is { } t ? JobTimes.Format(t) : null;
}
