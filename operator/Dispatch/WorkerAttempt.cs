using Nexus.Crds.Entities;
using Nexus.Operator.Jobs;
using Nexus.Operator.Live;
using Nexus.Operator.Metrics;
using Nexus.Operator.Pools;

namespace Nexus.Operator.Dispatch;

/// <summary>
/// Submits one attempt of a job to its pinned worker instance and long-polls it until it ends: completed, failed,
/// retryable (worker gone, unreachable for the configured number of polls, forgot the job, 5xx), busy, or past
/// its deadline (aborted on the worker, then failed with <c>WORKER_TIMEOUT</c>). Writes nothing itself.
/// A running poll's progress goes to the <see cref="LiveRelay"/> (memory only; it writes in batches, never to etcd).
/// Each poll asks the worker to hold it until the job ends (<c>?wait=</c>, at most the poll interval, so progress still
/// arrives that often): the end is known the moment the job ends, and its slot is free again at once. A worker that
/// answers sooner than asked (one without long-polls, or one that is unreachable) is polled with the doubling delay
/// instead, so it is never spun on.
/// </summary>
public sealed class WorkerAttempt(WorkerClient workers, PoolRegistry registry, OperatorMetrics metrics, OperatorOptions options, TimeProvider time,
    LiveRelay? live = null)
{
    public const string WorkerTimeout = "WORKER_TIMEOUT";
    public const string WorkerLost = "WORKER_LOST";
    public const string WorkerError = "WORKER_ERROR";
    public const string InvalidParams = "INVALID_PARAMS";

    /// <param name="fresh">Just claimed (submit first); false when re-attached to an attempt that may already run.</param>
    public async Task<AttemptEnd> RunAsync(AiJob job, string url, bool fresh, CancellationToken ct)
    {
        var name = job.Metadata.Name;
        var attempt = job.Status!.Attempts;
        var deadline = JobTimes.Utc(job.Status.StartedAt ?? Now()) + JobTimes.Timeout(job);
        var confirmed = false;
        if (fresh)
        {
            if (await SubmitAsync(job, url, attempt, deadline, ct) is { } refused) return refused;
            confirmed = true;
        }

        var delay = TimeSpan.FromMilliseconds(20);
        var unreachable = 0;
        var held = true; // right after a submit, or on re-attaching: ask at once
        while (true)
        {
            var now = Now();
            if (now >= deadline)
            {
                await workers.AbortAsync(url, name, ct);
                return new AttemptEnd.Failed(WorkerTimeout, $"attempt {attempt} passed its deadline of {JobTimes.Timeout(job).TotalSeconds:0}s");
            }
            if (!held)
            {
                var pause = delay < deadline - now ? delay : deadline - now;
                await Task.Delay(pause, time, ct);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, options.PollInterval.Ticks));
                now = Now();
            }

            if (registry.HasPools && !registry.IsKnown(url))
            {
                return new AttemptEnd.Retryable(WorkerLost, $"worker instance {url} is gone");
            }
            var wait = LongPollWait(deadline - now);
            var asked = time.GetTimestamp();
            var poll = await workers.GetAsync(url, name, wait, ct);
            // Held for at least half of what was asked: the worker long-polls, so the next poll can go at once.
            held = poll.Outcome == PollOutcome.Running && wait > TimeSpan.Zero && time.GetElapsedTime(asked) >= wait / 2;
            if (poll.Outcome != PollOutcome.Unreachable) unreachable = 0;
            // An instance still reporting an earlier attempt does not know this one.
            if (poll.Attempt is { } a && a < attempt && poll.Outcome != PollOutcome.Unreachable) poll = new PollResult(PollOutcome.Unknown);
            switch (poll.Outcome)
            {
                case PollOutcome.Running:
                    confirmed = true;
                    if (poll.Progress is { } progress) live?.ReportProgress(name, job.Spec.Tenant, attempt, progress);
                    break;
                case PollOutcome.Completed:
                    return new AttemptEnd.Completed(poll.Result, poll.TooLargeBytes);
                case PollOutcome.Failed when poll.Retryable:
                    return new AttemptEnd.Retryable(poll.ErrorCode ?? WorkerError, poll.ErrorMessage ?? "the worker reported a failure");
                case PollOutcome.Failed:
                    return new AttemptEnd.Failed(poll.ErrorCode ?? WorkerError, poll.ErrorMessage ?? "the worker reported a failure");
                case PollOutcome.Unknown when !confirmed:
                    // Re-attached, or the submit answer was lost: the worker may never have received this attempt.
                    // Submitting is idempotent on (id, attempt).
                    if (await SubmitAsync(job, url, attempt, deadline, ct) is { } refused) return refused;
                    metrics.Resubmits.Inc();
                    confirmed = true;
                    held = true;
                    break;
                case PollOutcome.Unknown:
                    return new AttemptEnd.Retryable(WorkerLost, $"worker instance {url} no longer knows the job");
                case PollOutcome.Unreachable:
                    if (++unreachable >= options.LostAfterFailedPolls)
                    {
                        return new AttemptEnd.Retryable(WorkerLost, $"worker instance {url} unreachable: {poll.ErrorMessage}");
                    }
                    break;
            }
        }
    }

    /// <returns>null when the worker accepted the attempt; otherwise how the attempt ended.</returns>
    private async Task<AttemptEnd?> SubmitAsync(AiJob job, string url, int attempt, DateTime deadline, CancellationToken ct)
    {
        var request = new WorkerJobRequest(job.Metadata.Name, job.Spec.Type, job.Spec.Tenant, job.Spec.Params, attempt,
            deadline.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture));
        var result = await workers.SubmitAsync(url, request, ct);
        return result.Outcome switch
        {
            SubmitOutcome.Accepted => null,
            SubmitOutcome.Busy => new AttemptEnd.Busy(),
            SubmitOutcome.InvalidParams => new AttemptEnd.Failed(InvalidParams, result.Message ?? "the worker rejected the parameters"),
            SubmitOutcome.Retryable => new AttemptEnd.Retryable(WorkerLost, result.Message ?? "the worker did not accept the job"),
            _ => new AttemptEnd.Failed(WorkerError, result.Message ?? "the worker rejected the job"),
        };
    }

    /// <summary>
    /// How long a poll asks the worker to hold it: the poll interval (so a running job's progress still arrives that
    /// often), never past the attempt's deadline, and well inside the HTTP request timeout and the workers' 30 s limit.
    /// </summary>
    private TimeSpan LongPollWait(TimeSpan untilDeadline)
    {
        var wait = new[] { options.PollInterval, untilDeadline, options.WorkerRequestTimeout / 2, MaxLongPoll }.Min();
        return wait >= MinLongPoll ? wait : TimeSpan.Zero;
    }

    private static readonly TimeSpan MaxLongPoll = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan MinLongPoll = TimeSpan.FromMilliseconds(10);

    private DateTime Now() => time.GetUtcNow().UtcDateTime;
}
