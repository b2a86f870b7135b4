using System.Collections.Concurrent;
using System.Text.Json;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Nexus.Crds.Entities;
using Nexus.Operator.Jobs;
using Nexus.Shared;

namespace Nexus.Operator.Dispatch;

/// <summary>
/// Runs one attempt of a job at a time per job: claims it (status Queued→Running with the read
/// resourceVersion, pinned to one instance), submits it, polls the pinned instance, and writes the outcome —
/// result, retry with backoff, or failure. After a restart, running jobs are re-attached through their pins.
/// Leaving (leadership lost) writes nothing: the pin stays, and the next leader re-attaches.
/// </summary>
public sealed class JobRunner
{
    private readonly OperatorContext _ctx;
    private readonly JobStatusWriter _writer;
    private readonly ILogger _log;
    private readonly ConcurrentDictionary<string, byte> _active = new(StringComparer.Ordinal);

    public JobRunner(OperatorContext ctx, JobStatusWriter writer)
    {
        _ctx = ctx;
        _writer = writer;
        _log = ctx.Logs.CreateLogger("Nexus.Operator.JobRunner");
    }

    /// <summary>Raised when a slot is released, so the dispatcher can fill it.</summary>
    public event Action? SlotFreed;

    /// <summary>Asked to look at a job again: raised once each time a run of it ends, however it ended.</summary>
    public event Action<string>? Requeue;

    public bool IsActive(string name) => _active.ContainsKey(name);
    public int ActiveCount => _active.Count;

    /// <summary>Claims and runs a job on a reserved slot; false when the job already has a runner.</summary>
    public bool TryStart(QueuedJob job, string pool, string url, CancellationToken ct)
    {
        if (!_active.TryAdd(job.Name, 0)) return false;
        _ = Task.Run(() => GuardAsync(job.Name, url, () => ClaimAndRunAsync(job.Name, pool, url, ct)), CancellationToken.None);
        return true;
    }

    /// <summary>Resumes tracking of a job found Running (after a restart or a change of leader).</summary>
    public void Reattach(AiJob job, CancellationToken ct)
    {
        var url = job.Status?.Worker?.Instance;
        if (url is null || !_active.TryAdd(job.Metadata.Name, 0)) return;
        _ctx.Registry.Hold(url);
        _ = Task.Run(() => GuardAsync(job.Metadata.Name, url, () => TrackAsync(job, url, fresh: false, ct)), CancellationToken.None);
    }

    private async Task GuardAsync(string name, string url, Func<Task> run)
    {
        try
        {
            await run();
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception e)
        {
            _log.LogWarning("job {Name}: {Error}", name, e.Message);
        }
        finally
        {
            _active.TryRemove(name, out _);
            _ctx.Registry.Release(url, notify: false);
            SlotFreed?.Invoke();
            // The one place a run hands its job back to the controller: reconciles that ran while this runner was
            // active skipped the job, so one more now decides what comes next (retry, finish, or nothing).
            Requeue?.Invoke(name);
        }
    }

    private async Task ClaimAndRunAsync(string name, string pool, string url, CancellationToken ct)
    {
        var job = _ctx.Jobs.Get(name);
        var phase = job?.Status?.Phase;
        if (job is null || job.Spec.Cancel || !(string.IsNullOrEmpty(phase) || phase == JobPhases.Queued))
        {
            return;
        }
        var now = DateTime.UtcNow;
        var status = JobStatusWriter.CloneStatus(job.Status);
        status.Phase = JobPhases.Running;
        status.QueuedAt ??= JobTimes.Created(job);
        status.StartedAt = now;
        status.CompletedAt = null;
        status.NextAttemptAt = null;
        status.Attempts += 1;
        status.Worker = new AiJobWorkerRef { Pool = pool, Instance = url, JobId = name };
        status.EstimatedCompletionAt = now + JobTimes.Typical(job.Spec.Type);
        try
        {
            // The claim: only succeeds on the version we read, so a cancel that landed first wins.
            job = await _writer.WriteAsync(job, status, ct);
        }
        catch (KubeApiException e) when (e.IsConflict || e.IsNotFound)
        {
            return;
        }
        if (status.Attempts == 1)
        {
            _ctx.Metrics.QueueWait.Observe(Math.Max(0, (now - JobTimes.QueuedAt(job)).TotalSeconds));
        }
        _ctx.Events.Normal(job, "Started", $"attempt {status.Attempts} dispatched to {url}");
        await TrackAsync(job, url, fresh: true, ct);
    }

    private async Task TrackAsync(AiJob job, string url, bool fresh, CancellationToken ct)
    {
        var name = job.Metadata.Name;
        var attempt = job.Status!.Attempts;
        var deadline = JobTimes.Utc(job.Status.StartedAt ?? DateTime.UtcNow) + JobTimes.Timeout(job);
        var confirmed = false;
        if (fresh)
        {
            if (!await SubmitAsync(job, url, attempt, deadline, ct)) return;
            confirmed = true;
        }

        var delay = TimeSpan.FromMilliseconds(20);
        var unreachable = 0;
        while (true)
        {
            var now = DateTime.UtcNow;
            if (now >= deadline)
            {
                await _ctx.Workers.AbortAsync(url, name, ct);
                await FailAsync(name, attempt, "WORKER_TIMEOUT", $"attempt {attempt} passed its deadline of {JobTimes.Timeout(job).TotalSeconds:0}s", ct);
                return;
            }
            var wait = delay < deadline - now ? delay : deadline - now;
            await Task.Delay(wait, ct);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _ctx.Options.PollInterval.Ticks));

            if (_ctx.Registry.HasPools && !_ctx.Registry.IsKnown(url))
            {
                await RetryOrFailAsync(name, attempt, "WORKER_LOST", $"worker instance {url} is gone", ct);
                return;
            }
            var poll = await _ctx.Workers.GetAsync(url, name, ct);
            if (poll.Outcome != PollOutcome.Unreachable) unreachable = 0;
            if (poll.Attempt is { } a && a < attempt && poll.Outcome != PollOutcome.Unreachable) poll = new PollResult(PollOutcome.Unknown);
            switch (poll.Outcome)
            {
                case PollOutcome.Running:
                    confirmed = true;
                    break;
                case PollOutcome.Completed:
                    await CompleteAsync(name, attempt, poll.Result, ct);
                    return;
                case PollOutcome.Failed when poll.Retryable:
                    await RetryOrFailAsync(name, attempt, poll.ErrorCode ?? "WORKER_ERROR", poll.ErrorMessage ?? "the worker reported a failure", ct);
                    return;
                case PollOutcome.Failed:
                    await FailAsync(name, attempt, poll.ErrorCode ?? "WORKER_ERROR", poll.ErrorMessage ?? "the worker reported a failure", ct);
                    return;
                case PollOutcome.Unknown when !confirmed:
                    // Re-attached, or the submit answer was lost: the worker may never have received this attempt.
                    // Submitting is idempotent on (id, attempt).
                    if (!await SubmitAsync(job, url, attempt, deadline, ct)) return;
                    confirmed = true;
                    break;
                case PollOutcome.Unknown:
                    await RetryOrFailAsync(name, attempt, "WORKER_LOST", $"worker instance {url} no longer knows the job", ct);
                    return;
                case PollOutcome.Unreachable:
                    if (++unreachable >= _ctx.Options.LostAfterFailedPolls)
                    {
                        await RetryOrFailAsync(name, attempt, "WORKER_LOST", $"worker instance {url} unreachable: {poll.ErrorMessage}", ct);
                        return;
                    }
                    break;
            }
        }
    }

    /// <returns>true when the worker accepted the attempt; otherwise the outcome has been written.</returns>
    private async Task<bool> SubmitAsync(AiJob job, string url, int attempt, DateTime deadline, CancellationToken ct)
    {
        var name = job.Metadata.Name;
        var request = new WorkerJobRequest(name, job.Spec.Type, job.Spec.Tenant, job.Spec.Params, attempt,
            deadline.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture));
        var result = await _ctx.Workers.SubmitAsync(url, request, ct);
        switch (result.Outcome)
        {
            case SubmitOutcome.Accepted:
                return true;
            case SubmitOutcome.Busy:
                _ctx.Registry.MarkBusy(url, DateTime.UtcNow + TimeSpan.FromSeconds(2));
                await ReturnToQueueAsync(name, attempt, ct);
                return false;
            case SubmitOutcome.InvalidParams:
                await FailAsync(name, attempt, "INVALID_PARAMS", result.Message ?? "the worker rejected the parameters", ct);
                return false;
            case SubmitOutcome.Retryable:
                await RetryOrFailAsync(name, attempt, "WORKER_LOST", result.Message ?? "the worker did not accept the job", ct);
                return false;
            default:
                await FailAsync(name, attempt, "WORKER_ERROR", result.Message ?? "the worker rejected the job", ct);
                return false;
        }
    }

    /// <summary>A full worker (429): the attempt never started, so it does not count against maxRetries.</summary>
    private async Task ReturnToQueueAsync(string name, int attempt, CancellationToken ct)
    {
        await _writer.UpdateRunningAsync(name, attempt, (_, s) =>
        {
            s.Phase = JobPhases.Queued;
            s.Attempts = Math.Max(0, attempt - 1);
            s.Worker = null;
            s.StartedAt = null;
            s.NextAttemptAt = DateTime.UtcNow + Backoff.Delay(1, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2));
        }, ct);
    }

    private async Task RetryOrFailAsync(string name, int attempt, string code, string message, CancellationToken ct)
    {
        var job = _ctx.Jobs.Get(name);
        if (job is null) return;
        if (attempt > job.Spec.MaxRetries)
        {
            await FailAsync(name, attempt, code, $"{message} (after {attempt} attempts)", ct);
            return;
        }
        var written = await _writer.UpdateRunningAsync(name, attempt, (_, s) =>
        {
            s.Phase = JobPhases.Queued;
            s.Worker = null;
            s.StartedAt = null;
            s.NextAttemptAt = DateTime.UtcNow + Backoff.Delay(attempt, _ctx.Options.RetryBaseDelay, _ctx.Options.RetryMaxDelay);
            s.Error = new AiJobError { Code = code, Message = message, RetryCount = attempt };
        }, ct);
        if (written is null) return;
        _ctx.Metrics.Retries.WithLabels(job.Spec.Type).Inc();
        _ctx.Metrics.Failures.WithLabels(job.Spec.Type, code).Inc();
        _ctx.Events.Warning(written, "Retrying", $"attempt {attempt} failed ({code}: {message}); retry at {written.Status?.NextAttemptAt:O}");
    }

    private async Task FailAsync(string name, int attempt, string code, string message, CancellationToken ct)
    {
        var written = await _writer.UpdateRunningAsync(name, attempt, (_, s) =>
        {
            s.Phase = JobPhases.Failed;
            s.CompletedAt = DateTime.UtcNow;
            s.NextAttemptAt = null;
            s.EstimatedCompletionAt = null;
            s.Error = new AiJobError { Code = code, Message = message, RetryCount = Math.Max(0, attempt - 1) };
        }, ct);
        if (written is null) return;
        RecordFinished(written, "failed");
        _ctx.Metrics.Failures.WithLabels(written.Spec.Type, code).Inc();
        _ctx.Events.Warning(written, "Failed", $"{code}: {message}");
    }

    private async Task CompleteAsync(string name, int attempt, JsonElement? result, CancellationToken ct)
    {
        var job = _ctx.Jobs.Get(name);
        if (job is null) return;
        AiJobResultRef? resultRef = null;
        if (result is { } value)
        {
            var (placement, rawBytes, stored) = ResultStore.Place(value, _ctx.Options.ResultInlineMaxBytes, _ctx.Options.ResultConfigMapMaxBytes);
            if (placement == ResultPlacement.TooLarge)
            {
                await FailAsync(name, attempt, "RESULT_TOO_LARGE", $"the result has {rawBytes} bytes, more than can be stored even compressed", ct);
                return;
            }
            if (placement == ResultPlacement.ConfigMap)
            {
                resultRef = await StoreResultAsync(job, stored!, rawBytes, ct);
                result = null;
            }
        }
        var written = await _writer.UpdateRunningAsync(name, attempt, (_, s) =>
        {
            s.Phase = JobPhases.Completed;
            s.CompletedAt = DateTime.UtcNow;
            s.NextAttemptAt = null;
            s.EstimatedCompletionAt = null;
            s.Error = null;
            s.Result = result;
            s.ResultRef = resultRef;
        }, ct);
        if (written is null) return;
        RecordFinished(written, "completed");
        _ctx.Events.Normal(written, "Completed", $"attempt {attempt} completed");
    }

    private async Task<AiJobResultRef> StoreResultAsync(AiJob job, string stored, long rawBytes, CancellationToken ct)
    {
        var name = ResultStore.ConfigMapName(job.Metadata.Name);
        var collection = ResourceKind.ConfigMap.Collection(_ctx.Options.Namespace);
        var map = new V1ConfigMap
        {
            ApiVersion = "v1",
            Kind = "ConfigMap",
            Metadata = new V1ObjectMeta
            {
                Name = name,
                NamespaceProperty = _ctx.Options.Namespace,
                Labels = new Dictionary<string, string> { ["nexus.ai/result-of"] = job.Metadata.Name },
                OwnerReferences =
                [
                    new V1OwnerReference
                    {
                        ApiVersion = job.ApiVersion, Kind = job.Kind, Name = job.Metadata.Name, Uid = job.Metadata.Uid,
                        Controller = true, BlockOwnerDeletion = false,
                    },
                ],
            },
            Data = new Dictionary<string, string> { [ResultStore.Key] = stored },
        };
        try
        {
            await _ctx.Api.CreateAsync(collection, map, ct);
        }
        catch (KubeApiException e) when (e.IsConflict)
        {
            // Left by an attempt interrupted before its status write: replace it.
            await _ctx.Api.ReplaceAsync($"{collection}/{name}", map, ct);
        }
        return new AiJobResultRef { ConfigMap = name, Key = ResultStore.Key, Encoding = ResultStore.Encoding, SizeBytes = rawBytes };
    }

    private void RecordFinished(AiJob job, string outcome)
    {
        _ctx.Metrics.Finished.WithLabels(job.Spec.Type, outcome).Inc();
        if (job.Status?.StartedAt is { } started && job.Status.CompletedAt is { } done)
        {
            _ctx.Metrics.RunDuration.Observe(Math.Max(0, (JobTimes.Utc(done) - JobTimes.Utc(started)).TotalSeconds));
        }
    }
}
