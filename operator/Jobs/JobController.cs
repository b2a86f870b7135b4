using Microsoft.Extensions.Logging;
using Nexus.Crds.Entities;
using Nexus.Operator.Dispatch;
using Nexus.Shared;

namespace Nexus.Operator.Jobs;

/// <summary>
/// Reconciles one AiJob from the latest cached copy: gives new jobs their Queued status, honours cancel
/// while queued (and says why it is ignored while running), enforces dependencies and the queue-time limit,
/// offers claimable jobs to the dispatcher, re-attaches running ones, and deletes finished ones after the TTL.
/// A terminal phase is final: nothing here moves a job out of it.
/// </summary>
public sealed class JobController
{
    public const string CancelIgnoredCondition = "CancelIgnored";
    public const string DependencyFailed = "DEPENDENCY_FAILED";
    public const string QueueTimeout = "QUEUE_TIMEOUT";

    private readonly OperatorContext _ctx;
    private readonly JobStatusWriter _writer;
    private readonly Dispatcher _dispatcher;
    private readonly JobRunner _runner;
    private readonly ILogger _log;
    private readonly object _depLock = new();
    private readonly Dictionary<string, HashSet<string>> _dependents = new(StringComparer.Ordinal);
    /// <summary>When this term first saw each job without status: the initial-status delay counts from then.</summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, DateTime> _firstSeen = new(StringComparer.Ordinal);
    private CancellationToken _leading;

    public JobController(OperatorContext ctx, JobStatusWriter writer, Dispatcher dispatcher, JobRunner runner)
    {
        _ctx = ctx;
        _writer = writer;
        _dispatcher = dispatcher;
        _runner = runner;
        _log = ctx.Logs.CreateLogger("Nexus.Operator.JobController");
        Queue = new WorkQueue("aijobs", ctx.Options.ReconcileConcurrency, ReconcileAsync, _log,
            ok => ctx.Metrics.Reconciles.WithLabels(AiJob.KindName, ok ? "success" : "error").Inc());
        ctx.Jobs.Changed += OnChanged;
        runner.Requeue += name => Queue.Add(name);
    }

    public WorkQueue Queue { get; }

    public Task RunAsync(CancellationToken ct)
    {
        _leading = ct;
        return Queue.RunAsync(ct);
    }

    private void OnChanged(AiJob? old, AiJob? @new)
    {
        var job = @new ?? old!;
        var name = job.Metadata.Name;
        if (@new?.Spec.DependsOn is { Count: > 0 } deps)
        {
            lock (_depLock)
            {
                foreach (var dep in deps)
                {
                    if (!_dependents.TryGetValue(dep, out var set)) _dependents[dep] = set = new HashSet<string>(StringComparer.Ordinal);
                    set.Add(name);
                }
            }
        }
        Queue.Add(name);
        // A dependency that finished (or vanished) unblocks or cancels the jobs waiting on it.
        if (@new is null || JobPhases.IsTerminal(@new.Status?.Phase))
        {
            lock (_depLock)
            {
                if (_dependents.TryGetValue(name, out var waiting))
                {
                    foreach (var d in waiting) Queue.Add(d);
                }
            }
        }
    }

    private async Task<TimeSpan?> ReconcileAsync(string name, CancellationToken ct)
    {
        var job = _ctx.Jobs.Get(name);
        if (job is null)
        {
            _dispatcher.Withdraw(name);
            _firstSeen.TryRemove(name, out _);
            lock (_depLock) _dependents.Remove(name);
            return null;
        }
        var now = DateTime.UtcNow;
        var status = job.Status;
        var phase = status?.Phase;

        if (JobPhases.IsTerminal(phase) || phase == JobPhases.Running) _firstSeen.TryRemove(name, out _);
        if (JobPhases.IsTerminal(phase))
        {
            _dispatcher.Withdraw(name);
            var finished = status!.CompletedAt is { } c ? JobTimes.Utc(c) : JobTimes.Created(job);
            var expires = finished + _ctx.Options.TtlAfterFinished;
            if (now < expires) return Cap(expires - now);
            await _ctx.Api.DeleteAsync(ResourceKind.AiJob.Item(_ctx.Options.Namespace, name), job.Metadata.Uid, ct);
            return null;
        }

        if (phase == JobPhases.Running)
        {
            _dispatcher.Withdraw(name);
            if (job.Spec.Cancel && status!.Conditions?.Any(x => x.Type == CancelIgnoredCondition) != true)
            {
                var s = JobStatusWriter.CloneStatus(status);
                JobStatusWriter.SetCondition(s, CancelIgnoredCondition, "AlreadyRunning",
                    "cancel was requested after the job started; a running job runs to its end", job.Metadata.Generation);
                job = await WriteOrRequeue(job, s, ct);
                if (job is not null) _ctx.Events.Normal(job, "CancelIgnored", "cancel requested while running: ignored");
            }
            if (job is not null && !_runner.IsActive(name)) _runner.Reattach(job, _leading);
            return null;
        }

        // Queued, or new (no status yet).
        if (_runner.IsActive(name)) return null;
        var queuedAt = JobTimes.QueuedAt(job);
        if (job.Spec.Cancel)
        {
            _dispatcher.Withdraw(name);
            await FinishQueuedAsync(job, JobPhases.Cancelled, null, "Cancelled", "cancelled while queued", ct);
            return null;
        }
        if (now - queuedAt >= _ctx.Options.MaxQueueTime)
        {
            _dispatcher.Withdraw(name);
            await FinishQueuedAsync(job, JobPhases.Failed, QueueTimeout,
                "QueueTimeout", $"queued longer than {_ctx.Options.MaxQueueTime.TotalSeconds:0}s", ct);
            return null;
        }
        var untilQueueTimeout = queuedAt + _ctx.Options.MaxQueueTime - now;

        var (ready, failedDep) = Dependencies(job);
        if (failedDep is not null)
        {
            _dispatcher.Withdraw(name);
            await FinishQueuedAsync(job, JobPhases.Cancelled, DependencyFailed, "DependencyFailed",
                $"dependency {failedDep} did not complete", ct);
            return null;
        }

        if (!string.IsNullOrEmpty(phase)) _firstSeen.TryRemove(name, out _);
        var initDue = (string.IsNullOrEmpty(phase) ? _firstSeen.GetOrAdd(name, now) : now) + _ctx.Options.InitialStatusDelay;
        if (!ready || status?.NextAttemptAt is { } next && JobTimes.Utc(next) > now)
        {
            _dispatcher.Withdraw(name);
            if (string.IsNullOrEmpty(phase))
            {
                if (now < initDue) return initDue - now;
                await InitialiseAsync(job, ct);
            }
            var wake = status?.NextAttemptAt is { } n && JobTimes.Utc(n) > now ? JobTimes.Utc(n) - now : untilQueueTimeout;
            return Cap(wake < untilQueueTimeout ? wake : untilQueueTimeout);
        }

        // Claimable. A job without status is offered at once; it gets its Queued status only if it waits,
        // which saves a write per job when capacity is free.
        if (string.IsNullOrEmpty(phase) && now >= initDue)
        {
            job = await InitialiseAsync(job, ct);
            if (job is null) return null;
        }
        _dispatcher.Offer(new QueuedJob(name, job.Spec.Type, job.Spec.Tenant, Priorities.Rank(job.Spec.Priority),
            JobTimes.Created(job), queuedAt));
        return string.IsNullOrEmpty(job.Status?.Phase) ? initDue - now : Cap(untilQueueTimeout);
    }

    private (bool Ready, string? Failed) Dependencies(AiJob job)
    {
        if (job.Spec.DependsOn is not { Count: > 0 } deps) return (true, null);
        var ready = true;
        foreach (var dep in deps)
        {
            var d = _ctx.Jobs.Get(dep);
            var phase = d?.Status?.Phase;
            if (phase is JobPhases.Failed or JobPhases.Cancelled) return (false, dep);
            if (phase != JobPhases.Completed) ready = false;
        }
        return (ready, null);
    }

    private async Task<AiJob?> InitialiseAsync(AiJob job, CancellationToken ct)
    {
        var s = JobStatusWriter.CloneStatus(job.Status);
        s.Phase = JobPhases.Queued;
        s.QueuedAt ??= JobTimes.Created(job);
        s.EstimatedCompletionAt = DateTime.UtcNow + JobTimes.Typical(job.Spec.Type);
        var written = await WriteOrRequeue(job, s, ct);
        if (written is not null) _ctx.Events.Normal(written, "Queued", $"queued with priority {job.Spec.Priority}");
        return written;
    }

    private async Task FinishQueuedAsync(AiJob job, string phase, string? code, string reason, string message, CancellationToken ct)
    {
        var s = JobStatusWriter.CloneStatus(job.Status);
        s.Phase = phase;
        s.QueuedAt ??= JobTimes.Created(job);
        s.CompletedAt = DateTime.UtcNow;
        s.NextAttemptAt = null;
        s.EstimatedCompletionAt = null;
        if (code is not null) s.Error = new AiJobError { Code = code, Message = message, RetryCount = Math.Max(0, s.Attempts - 1) };
        var written = await WriteOrRequeue(job, s, ct);
        if (written is null) return;
        var outcome = phase == JobPhases.Cancelled ? "cancelled" : "failed";
        _ctx.Metrics.Finished.WithLabels(job.Spec.Type, outcome).Inc();
        if (code is not null) _ctx.Metrics.Failures.WithLabels(job.Spec.Type, code).Inc();
        if (phase == JobPhases.Failed) _ctx.Events.Warning(written, reason, message);
        else _ctx.Events.Normal(written, reason, message);
    }

    /// <summary>A write from a stale read loses; the watch brings the newer version, which is reconciled again.</summary>
    private async Task<AiJob?> WriteOrRequeue(AiJob job, Crds.Entities.AiJobStatus status, CancellationToken ct)
    {
        try
        {
            return await _writer.WriteAsync(job, status, ct);
        }
        catch (KubeApiException e) when (e.IsConflict || e.IsNotFound)
        {
            Queue.Add(job.Metadata.Name, TimeSpan.FromMilliseconds(50));
            return null;
        }
    }

    private static TimeSpan Cap(TimeSpan t) => t > TimeSpan.FromHours(1) ? TimeSpan.FromHours(1) : t < TimeSpan.Zero ? TimeSpan.Zero : t;
}
