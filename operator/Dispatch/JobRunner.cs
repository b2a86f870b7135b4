using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Nexus.Crds.Entities;
using Nexus.Operator.Control;
using Nexus.Operator.Jobs;
using Nexus.Operator.Metrics;
using Nexus.Operator.Pools;
using Nexus.Shared;
using Nexus.Shared.History;

namespace Nexus.Operator.Dispatch;

/// <summary>
/// Runs one attempt of a job at a time per job, on one slot: claims it (status Queued→Running with the read
/// resourceVersion, pinned to the slot's instance), has <see cref="WorkerAttempt"/> submit and poll it, and
/// <see cref="OutcomeWriter"/> write how it ended. After a restart, running jobs are re-attached through their
/// pins. Leaving (leadership lost) writes nothing: the pin stays, and the next leader re-attaches.
/// </summary>
public sealed class JobRunner(Informer<AiJob> jobs, JobStatusWriter writer, WorkerAttempt attempts, OutcomeWriter outcomes,
    PoolRegistry registry, EventRecorder events, OperatorMetrics metrics, OperatorOptions options, TimeProvider time, ILogger<JobRunner> log)
{
    private readonly ConcurrentDictionary<string, SlotLease> _active = new(StringComparer.Ordinal);

    /// <summary>Raised when a slot is released, so the scheduler can fill it.</summary>
    public event Action? SlotFreed;

    /// <summary>Raised when a run takes a slot, new or re-attached: (name, tenant, type), for the tenants' running counts.</summary>
    public event Action<string, string, string>? RunStarted;

    /// <summary>Raised when a run ends, before its slot is freed (so a tenant's running count drops before the slot is refilled).</summary>
    public event Action<string>? RunStopped;

    /// <summary>Raised once each time a run of a job ends, however it ended: its controller looks at it again.</summary>
    public event Action<string>? RunEnded;

    public bool IsActive(string name) => _active.ContainsKey(name);
    public int ActiveCount => _active.Count;

    /// <summary>Claims and runs a job on a reserved slot; false when the job already has a runner (the lease stays the caller's).</summary>
    public bool TryStart(QueuedJob job, SlotLease lease, CancellationToken ct)
    {
        if (!_active.TryAdd(job.Name, lease)) return false;
        RunStarted?.Invoke(job.Name, job.Tenant, job.Type);
        _ = Task.Run(() => GuardAsync(job.Name, lease, () => ClaimAndRunAsync(job.Name, lease, ct)), CancellationToken.None);
        return true;
    }

    /// <summary>Resumes tracking of a job found Running (after a restart or a change of leader).</summary>
    public void Reattach(AiJob job, CancellationToken ct)
    {
        if (job.Status?.Worker is not { Instance: { } url } worker || _active.ContainsKey(job.Metadata.Name)) return;
        var lease = SlotLease.Hold(registry, worker.Pool ?? "", url);
        if (!_active.TryAdd(job.Metadata.Name, lease))
        {
            lease.Release();
            return;
        }
        metrics.Reattached.Inc();
        RunStarted?.Invoke(job.Metadata.Name, job.Spec.Tenant, job.Spec.Type);
        _ = Task.Run(() => GuardAsync(job.Metadata.Name, lease, () => RunAsync(job, lease, fresh: false, ct)), CancellationToken.None);
    }

    private async Task GuardAsync(string name, SlotLease lease, Func<Task> run)
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
            log.LogWarning("job {Name}: {Error}", name, e.Message);
        }
        finally
        {
            _active.TryRemove(name, out _);
            RunStopped?.Invoke(name);
            if (lease.Release()) SlotFreed?.Invoke();
            // The one place a run hands its job back to the controller: reconciles that ran while this runner was
            // active skipped the job, so one more now decides what comes next (retry, finish, or nothing).
            RunEnded?.Invoke(name);
        }
    }

    private async Task ClaimAndRunAsync(string name, SlotLease lease, CancellationToken ct)
    {
        var job = jobs.Get(name);
        var phase = job?.Status?.Phase;
        if (job is null || job.Spec.Cancel || !(string.IsNullOrEmpty(phase) || phase == JobPhases.Queued)) return;
        var now = time.GetUtcNow().UtcDateTime;
        var status = JobStatusWriter.CloneStatus(job.Status);
        status.Phase = JobPhases.Running;
        status.QueuedAt ??= JobTimes.Created(job);
        status.StartedAt = now;
        status.CompletedAt = null;
        status.NextAttemptAt = null;
        status.Attempts += 1;
        status.Worker = new AiJobWorkerRef { Pool = lease.Pool, Instance = lease.Url, JobId = name };
        status.EstimatedCompletionAt = now + JobTimes.Typical(job.Spec.Type);
        try
        {
            // The claim: only succeeds on the version we read, so a cancel that landed first wins.
            job = await writer.WriteAsync(job, status, ct);
        }
        catch (KubeApiException e) when (e.IsConflict || e.IsNotFound)
        {
            return;
        }
        if (status.Attempts == 1)
        {
            metrics.QueueWait.Observe(Math.Max(0, (now - JobTimes.QueuedAt(job)).TotalSeconds));
        }
        events.Normal(job, "Started", $"attempt {status.Attempts} dispatched to {lease.Url}");
        await RunAsync(job, lease, fresh: true, ct);
    }

    private async Task RunAsync(AiJob job, SlotLease lease, bool fresh, CancellationToken ct)
    {
        var name = job.Metadata.Name;
        var attempt = job.Status!.Attempts;
        for (var failures = 1; ; failures++)
        {
            var end = await attempts.RunAsync(job, lease.Url, fresh, ct);
            if (end is AttemptEnd.Busy) registry.MarkBusy(lease.Url, time.GetUtcNow().UtcDateTime + OutcomeWriter.BusyPause);
            try
            {
                await outcomes.WriteAsync(name, attempt, end, ct);
                return;
            }
            catch (HistoryUnavailableException e)
            {
                // A large result could not be stored, so the job cannot complete yet. The worker keeps its answer:
                // drop this copy (memory stays bounded during an outage) and poll it again after a backoff.
                metrics.ArchiveFailures.WithLabels(OperatorMetrics.Kinds.Result).Inc();
                var delay = Backoff.Delay(failures, options.ArchiveRetryBaseDelay, options.ArchiveRetryMaxDelay);
                log.LogWarning("job {Name}: result not stored, history database unavailable; polling the worker again in {Delay:0.0}s: {Error}",
                    name, delay.TotalSeconds, e.Message);
                await Task.Delay(delay, time, ct);
                job = jobs.Get(name)!;
                if (job?.Status is not { Phase: JobPhases.Running } s || s.Attempts != attempt) return;
                fresh = false;
            }
        }
    }
}
