using Microsoft.Extensions.Logging;
using Nexus.Crds.Entities;
using Nexus.Operator.Archive;
using Nexus.Operator.Control;
using Nexus.Operator.Dispatch;
using Nexus.Operator.Metrics;
using Nexus.Shared;

namespace Nexus.Operator.Jobs;

/// <summary>
/// Reconciles one AiJob from the latest cached copy: reads its dependencies, asks <see cref="JobDecisions.Decide"/>
/// what is to happen, and applies that decision — one switch, as a controller runtime turns a result into requeue,
/// requeue-after or forget. A terminal phase is final: nothing here moves a job out of it.
/// </summary>
public sealed class JobController
{
    private readonly Informer<AiJob> _jobs;
    private readonly JobDependencies _dependencies;
    private readonly KubeApi _api;
    private readonly JobStatusWriter _writer;
    private readonly SlotScheduler _scheduler;
    private readonly JobRunner _runner;
    private readonly JobArchiver _archiver;
    private readonly EventRecorder _events;
    private readonly OperatorMetrics _metrics;
    private readonly OperatorOptions _options;
    private readonly JobRules _rules;
    private readonly TimeProvider _time;
    private readonly object _depLock = new();
    private readonly Dictionary<string, HashSet<string>> _dependents = new(StringComparer.Ordinal);
    /// <summary>When this term first saw each job without status: the initial-status delay counts from then.</summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, DateTime> _firstSeen = new(StringComparer.Ordinal);
    private CancellationToken _leading;

    public JobController(Informer<AiJob> jobs, JobDependencies dependencies, KubeApi api, JobStatusWriter writer,
        SlotScheduler scheduler, JobRunner runner, JobArchiver archiver, EventRecorder events, OperatorMetrics metrics, OperatorOptions options,
        TimeProvider time, ILogger<JobController> log)
    {
        _jobs = jobs;
        _dependencies = dependencies;
        _api = api;
        _writer = writer;
        _scheduler = scheduler;
        _runner = runner;
        _archiver = archiver;
        _events = events;
        _metrics = metrics;
        _options = options;
        _rules = JobRules.From(options);
        _time = time;
        Queue = new WorkQueue("aijobs", options.ReconcileConcurrency, ReconcileAsync, log,
            ok => metrics.Reconciles.WithLabels(OperatorMetrics.Kinds.AiJob, ok ? "success" : "error").Inc(), time: time);
        jobs.Changed += OnChanged;
        runner.RunEnded += name => Queue.Add(name);
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
        var job = _jobs.Get(name);
        if (job is null)
        {
            _scheduler.Withdraw(name);
            _firstSeen.TryRemove(name, out _);
            lock (_depLock) _dependents.Remove(name);
            return null;
        }
        var now = _time.GetUtcNow().UtcDateTime;
        var isNew = string.IsNullOrEmpty(job.Status?.Phase);
        DateTime firstSeen;
        if (isNew) firstSeen = _firstSeen.GetOrAdd(name, now);
        else
        {
            _firstSeen.TryRemove(name, out _);
            firstSeen = now;
        }
        if (!Finalizers.Has(job) && job.Metadata.DeletionTimestamp is null && job.Status?.ArchivedAt is null)
        {
            // Made without it (kubectl): it must not leave the API before its record is archived.
            job = await AddFinalizerAsync(job, ct);
            if (job is null) return null;
        }
        var dependencies = await _dependencies.ResolveAsync(job, ct);
        var decision = JobDecisions.Decide(job, dependencies, now, firstSeen, _runner.IsActive(name), _rules);

        if (decision is not (JobDecision.Claimable or JobDecision.LeaveToRunner)) _scheduler.Withdraw(name);
        switch (decision)
        {
            case JobDecision.KeepUntil keep:
                return Until(keep.At, now);
            case JobDecision.Archive:
                _archiver.Enqueue(name);
                // The archiver's status write brings the job back; the recheck guards against a write that was lost.
                return _options.ArchiveRetryMaxDelay;
            case JobDecision.Release release:
                return await ReleaseAsync(job, release.Delete, ct);
            case JobDecision.Track track:
                if (track.NoteCancelIgnored)
                {
                    job = await NoteCancelIgnoredAsync(job, ct);
                    if (job is null) return null;
                }
                if (!_runner.IsActive(name)) _runner.Reattach(job, _leading);
                return null;
            case JobDecision.LeaveToRunner:
                return null;
            case JobDecision.Finish finish:
                await FinishQueuedAsync(job, finish, ct);
                return null;
            case JobDecision.WaitUntil wait:
                if (wait.Initialise && await InitialiseAsync(job, ct) is null) return null;
                return Until(wait.At, now);
            case JobDecision.Claimable claim:
                if (claim.Initialise)
                {
                    job = await InitialiseAsync(job, ct);
                    if (job is null) return null;
                }
                _scheduler.Offer(new QueuedJob(name, job.Spec.Type, job.Spec.Tenant, Priorities.Rank(job.Spec.Priority),
                    JobTimes.Created(job), JobTimes.QueuedAt(job)));
                return Until(claim.RecheckAt, now);
            default:
                throw new InvalidOperationException($"unhandled decision {decision}");
        }
    }

    private async Task<AiJob?> AddFinalizerAsync(AiJob job, CancellationToken ct)
    {
        try
        {
            var written = await _api.MergePatchAsync<AiJob>(ResourceKind.AiJob.Item(_options.Namespace, job.Metadata.Name),
                Finalizers.Patch(job, add: true), ct);
            _jobs.Upsert(written);
            return written;
        }
        catch (KubeApiException e) when (e.IsConflict || e.IsNotFound)
        {
            Queue.Add(job.Metadata.Name, TimeSpan.FromMilliseconds(50));
            return null;
        }
    }

    /// <summary>Archived: the finalizer goes (only now), then the AiJob itself unless someone is deleting it already.</summary>
    private async Task<TimeSpan?> ReleaseAsync(AiJob job, bool delete, CancellationToken ct)
    {
        var path = ResourceKind.AiJob.Item(_options.Namespace, job.Metadata.Name);
        try
        {
            if (Finalizers.Has(job))
            {
                job = await _api.MergePatchAsync<AiJob>(path, Finalizers.Patch(job, add: false), ct);
                if (!delete) return null; // a deleting object without finalizers is gone now
            }
            if (delete) await _api.DeleteAsync(path, job.Metadata.Uid, ct);
        }
        catch (KubeApiException e) when (e.IsConflict)
        {
            return TimeSpan.FromMilliseconds(50);
        }
        catch (KubeApiException e) when (e.IsNotFound)
        {
        }
        return null;
    }

    private async Task<AiJob?> NoteCancelIgnoredAsync(AiJob job, CancellationToken ct)
    {
        var s = JobStatusWriter.CloneStatus(job.Status);
        JobStatusWriter.SetCondition(s, JobDecisions.CancelIgnoredCondition, "AlreadyRunning",
            "cancel was requested after the job started; a running job runs to its end", job.Metadata.Generation, _time);
        var written = await WriteOrRequeue(job, s, ct);
        if (written is not null) _events.Normal(written, "CancelIgnored", "cancel requested while running: ignored");
        return written;
    }

    private async Task<AiJob?> InitialiseAsync(AiJob job, CancellationToken ct)
    {
        var s = JobStatusWriter.CloneStatus(job.Status);
        s.Phase = JobPhases.Queued;
        s.QueuedAt ??= JobTimes.Created(job);
        s.EstimatedCompletionAt = _time.GetUtcNow().UtcDateTime + JobTimes.Typical(job.Spec.Type);
        var written = await WriteOrRequeue(job, s, ct);
        if (written is not null) _events.Normal(written, "Queued", $"queued with priority {job.Spec.Priority}");
        return written;
    }

    private async Task FinishQueuedAsync(AiJob job, JobDecision.Finish finish, CancellationToken ct)
    {
        var s = JobStatusWriter.CloneStatus(job.Status);
        if (s.Phase == JobPhases.Running) AttemptLog.Append(s, AiJobAttempt.Cancelled, finish.Code, _time.GetUtcNow().UtcDateTime);
        s.Phase = finish.Phase;
        s.QueuedAt ??= JobTimes.Created(job);
        s.CompletedAt = _time.GetUtcNow().UtcDateTime;
        s.NextAttemptAt = null;
        s.EstimatedCompletionAt = null;
        if (finish.Code is not null) s.Error = new AiJobError { Code = finish.Code, Message = finish.Message, RetryCount = Math.Max(0, s.Attempts - 1) };
        Conditions.SetTerminal(s, finish.Phase, finish.Code, finish.Message, job.Metadata.Generation, s.CompletedAt.Value);
        var written = await WriteOrRequeue(job, s, ct);
        if (written is null) return;
        var outcome = finish.Phase == JobPhases.Cancelled ? "cancelled" : "failed";
        _metrics.Finished.WithLabels(job.Spec.Type, outcome).Inc();
        // A cancelled job (a failed dependency, say) carries a code but did not fail.
        if (finish.Phase == JobPhases.Failed && finish.Code is not null) _metrics.Failures.WithLabels(job.Spec.Type, finish.Code).Inc();
        if (finish.Phase == JobPhases.Failed) _events.Warning(written, finish.Reason, finish.Message);
        else _events.Normal(written, finish.Reason, finish.Message);
    }

    /// <summary>A write from a stale read loses; the watch brings the newer version, which is reconciled again.</summary>
    private async Task<AiJob?> WriteOrRequeue(AiJob job, AiJobStatus status, CancellationToken ct)
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

    /// <summary>How long until <paramref name="at"/>, at most an hour (a periodic look guards against missed wake-ups).</summary>
    private static TimeSpan Until(DateTime at, DateTime now)
    {
        var t = at - now;
        return t > TimeSpan.FromHours(1) ? TimeSpan.FromHours(1) : t < TimeSpan.Zero ? TimeSpan.Zero : t;
    }
}
