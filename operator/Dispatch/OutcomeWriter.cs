using System.Text.Json;
using Nexus.Crds.Entities;
using Nexus.Operator.Control;
using Nexus.Operator.Jobs;
using Nexus.Operator.Metrics;
using Nexus.Shared;
using Nexus.Shared.History;

namespace Nexus.Operator.Dispatch;

/// <summary>
/// Writes how an attempt ended into the job's status, as the owner of that attempt: completed (with its result
/// inline, or stored in the history database first and referenced), failed, retried after a backoff while retries
/// remain, or back to the queue without using an attempt (worker busy). Each write applies only while the job still
/// runs that attempt, and records the attempt in <c>status.attemptHistory</c>.
/// </summary>
public sealed class OutcomeWriter(Informer<AiJob> jobs, JobStatusWriter writer, JobArchive history, EventRecorder events,
    OperatorMetrics metrics, OperatorOptions options, TimeProvider time)
{
    public const string ResultTooLarge = "RESULT_TOO_LARGE";

    /// <summary>A busy worker takes no new job before this has passed.</summary>
    public static readonly TimeSpan BusyPause = TimeSpan.FromSeconds(2);

    public Task WriteAsync(string name, int attempt, AttemptEnd end, CancellationToken ct) => end switch
    {
        AttemptEnd.Completed c => CompleteAsync(name, attempt, c, ct),
        AttemptEnd.Failed f => FailAsync(name, attempt, f.Code, f.Message, ct),
        AttemptEnd.Retryable r => RetryOrFailAsync(name, attempt, r.Code, r.Message, ct),
        AttemptEnd.Busy => ReturnToQueueAsync(name, attempt, ct),
        _ => throw new InvalidOperationException($"unhandled attempt end {end}"),
    };

    /// <summary>A full worker (429): the attempt never started, so it does not count against maxRetries.</summary>
    private async Task ReturnToQueueAsync(string name, int attempt, CancellationToken ct)
    {
        await writer.UpdateRunningAsync(name, attempt, (_, s) =>
        {
            s.Phase = JobPhases.Queued;
            s.Attempts = Math.Max(0, attempt - 1);
            s.Worker = null;
            s.StartedAt = null;
            s.NextAttemptAt = Now() + Backoff.Delay(1, TimeSpan.FromSeconds(1), BusyPause);
        }, ct);
    }

    private async Task RetryOrFailAsync(string name, int attempt, string code, string message, CancellationToken ct)
    {
        var job = jobs.Get(name);
        if (job is null) return;
        if (attempt > job.Spec.MaxRetries)
        {
            await FailAsync(name, attempt, code, $"{message} (after {attempt} attempts)", ct);
            return;
        }
        var written = await writer.UpdateRunningAsync(name, attempt, (_, s) =>
        {
            AttemptLog.Append(s, AiJobAttempt.Retried, code, Now());
            s.Phase = JobPhases.Queued;
            s.Worker = null;
            s.StartedAt = null;
            s.NextAttemptAt = Now() + Backoff.Delay(attempt, options.RetryBaseDelay, options.RetryMaxDelay);
            s.Error = new AiJobError { Code = code, Message = message, RetryCount = attempt };
        }, ct);
        if (written is null) return;
        metrics.Retries.WithLabels(job.Spec.Type).Inc();
        metrics.AttemptFailures.WithLabels(job.Spec.Type, code).Inc();
        events.Warning(written, "Retrying", $"attempt {attempt} failed ({code}: {message}); retry at {written.Status?.NextAttemptAt:O}");
    }

    private async Task FailAsync(string name, int attempt, string code, string message, CancellationToken ct)
    {
        var written = await writer.UpdateRunningAsync(name, attempt, (job, s) =>
        {
            AttemptLog.Append(s, AiJobAttempt.Failed, code, Now());
            s.Phase = JobPhases.Failed;
            s.CompletedAt = Now();
            s.NextAttemptAt = null;
            s.EstimatedCompletionAt = null;
            s.Error = new AiJobError { Code = code, Message = message, RetryCount = Math.Max(0, attempt - 1) };
            Conditions.SetTerminal(s, JobPhases.Failed, code, message, job.Metadata.Generation, Now());
        }, ct);
        if (written is null) return;
        RecordFinished(written, "failed");
        metrics.AttemptFailures.WithLabels(written.Spec.Type, code).Inc();
        metrics.Failures.WithLabels(written.Spec.Type, code).Inc();
        events.Warning(written, "Failed", $"{code}: {message}");
    }

    /// <summary>
    /// A result larger than the inline limit is stored in the database BEFORE the status that points at it is written;
    /// when the database is unavailable that store throws <see cref="HistoryUnavailableException"/> and nothing is
    /// written (the runner polls the worker again later). Only a result above the maximum fails the job.
    /// </summary>
    private async Task CompleteAsync(string name, int attempt, AttemptEnd.Completed end, CancellationToken ct)
    {
        var job = jobs.Get(name);
        if (job is null) return;
        var size = end.TooLargeBytes ?? end.Result?.Length ?? 0;
        if (end.TooLargeBytes is not null || size > options.ResultMaxBytes)
        {
            await FailAsync(name, attempt, ResultTooLarge, $"the result has more than {options.ResultMaxBytes} bytes, the largest stored", ct);
            return;
        }
        JsonElement? inline = null;
        AiJobResultRef? reference = null;
        if (end.Result is { } body)
        {
            if (body.Length <= options.ResultInlineMaxBytes) inline = body.Parse();
            else
            {
                try
                {
                    await using var json = body.OpenRead();
                    await history.StoreResultAsync(job.Spec.Tenant, ResourceIds.JobIdFromName(name), json, ct);
                }
                catch (ResultTooLargeException)
                {
                    await FailAsync(name, attempt, ResultTooLarge, $"the result has more than {options.ResultMaxBytes} bytes, the largest stored", ct);
                    return;
                }
                reference = new AiJobResultRef { Store = AiJobResultRef.PostgreSql, SizeBytes = body.Length };
            }
        }
        var written = await writer.UpdateRunningAsync(name, attempt, (current, s) =>
        {
            AttemptLog.Append(s, AiJobAttempt.Completed, null, Now());
            s.Phase = JobPhases.Completed;
            s.CompletedAt = Now();
            s.NextAttemptAt = null;
            s.EstimatedCompletionAt = null;
            s.Error = null;
            s.Result = inline;
            s.ResultRef = reference;
            Conditions.SetTerminal(s, JobPhases.Completed, null, $"completed in attempt {attempt}", current.Metadata.Generation, Now());
        }, ct);
        if (written is null) return;
        RecordFinished(written, "completed");
        events.Normal(written, "Completed", $"attempt {attempt} completed");
    }

    private void RecordFinished(AiJob job, string outcome)
    {
        metrics.Finished.WithLabels(job.Spec.Type, outcome).Inc();
        if (job.Status?.StartedAt is { } started && job.Status.CompletedAt is { } done)
        {
            metrics.RunDuration.Observe(Math.Max(0, (JobTimes.Utc(done) - JobTimes.Utc(started)).TotalSeconds));
        }
    }

    private DateTime Now() => time.GetUtcNow().UtcDateTime;
}
