using Nexus.Crds.Entities;
using Nexus.Operator.Archive;

namespace Nexus.Operator.Jobs;

/// <summary>Where a job's dependency stands, as far as the job waiting on it is concerned.</summary>
public enum DependencyState
{
    /// <summary>Completed (or recorded as completed by its batch after it was deleted).</summary>
    Completed,
    /// <summary>Not finished yet, or not created yet by its batch.</summary>
    Pending,
    /// <summary>Failed or cancelled.</summary>
    Failed,
    /// <summary>No longer exists, and nothing will create it again.</summary>
    Gone,
    /// <summary>Not in the API, and the history database that would know cannot be asked now: look again soon.</summary>
    Unknown,
}

/// <summary>What the job controller is to do with one AiJob now; the controller applies it and nothing else.</summary>
public abstract record JobDecision
{
    /// <summary>Finished and archived: look again when it is due for deletion.</summary>
    public sealed record KeepUntil(DateTime At) : JobDecision;

    /// <summary>Finished, not archived yet: hand it to the archiver (it holds the finalizer until then).</summary>
    public sealed record Archive : JobDecision;

    /// <summary>
    /// Archived, and either past the retention or being deleted by hand: drop the archive finalizer, and delete it
    /// unless it is already being deleted.
    /// </summary>
    public sealed record Release(bool Delete) : JobDecision;

    /// <summary>Running: make sure its attempt is tracked; note once that a cancel came too late.</summary>
    public sealed record Track(bool NoteCancelIgnored) : JobDecision;

    /// <summary>Its attempt is being run here: the runner hands it back when the run ends.</summary>
    public sealed record LeaveToRunner : JobDecision;

    /// <summary>Queued or new, and it ends now without running.</summary>
    public sealed record Finish(string Phase, string? Code, string Reason, string Message) : JobDecision;

    /// <summary>Not claimable yet (dependencies, retry backoff, initial-status delay): look again then.</summary>
    /// <param name="Initialise">Give the new job its Queued status first.</param>
    public sealed record WaitUntil(DateTime At, bool Initialise) : JobDecision;

    /// <summary>Claimable: offer it to the dispatcher, and look again at <paramref name="RecheckAt"/>.</summary>
    /// <param name="Initialise">Give the new job its Queued status first (it waited past the initial-status delay).</param>
    public sealed record Claimable(bool Initialise, DateTime RecheckAt) : JobDecision;
}

/// <summary>The settings a decision depends on.</summary>
/// <param name="UnknownDependencyRecheck">How soon a job whose dependency could not be looked up is looked at again.</param>
public sealed record JobRules(TimeSpan RetentionAfterFinish, TimeSpan MaxQueueTime, TimeSpan InitialStatusDelay,
    TimeSpan? UnknownDependencyRecheck = null)
{
    public static JobRules From(OperatorOptions o) => new(o.RetentionAfterFinish, o.MaxQueueTime, o.InitialStatusDelay, o.ArchiveRetryMaxDelay);
}

/// <summary>
/// The claim path's one decision, pure: given a job, the state of its dependencies, the time and the rules, what is
/// to happen to it. A terminal phase is final: no decision moves a job out of it.
/// </summary>
public static class JobDecisions
{
    public const string DependencyFailed = "DEPENDENCY_FAILED";
    public const string QueueTimeout = "QUEUE_TIMEOUT";
    public const string CancelIgnoredCondition = "CancelIgnored";
    /// <summary>The error code of a job whose AiJob was deleted by hand before it finished: it is archived as cancelled.</summary>
    public const string JobDeleted = "JOB_DELETED";

    /// <param name="dependencies">State of each name in <c>spec.dependsOn</c>, in that order.</param>
    /// <param name="firstSeen">When this leadership term first saw the job without status (the initial-status delay counts from then).</param>
    /// <param name="hasRunner">An attempt of the job is being run by this replica.</param>
    public static JobDecision Decide(AiJob job, IReadOnlyList<(string Name, DependencyState State)> dependencies,
        DateTime now, DateTime firstSeen, bool hasRunner, JobRules rules)
    {
        var status = job.Status;
        var phase = status?.Phase;

        var deleting = job.Metadata.DeletionTimestamp is not null;
        if (JobPhases.IsTerminal(phase))
        {
            if (status!.ArchivedAt is not { } archived) return new JobDecision.Archive();
            if (deleting) return new JobDecision.Release(Delete: false);
            var expires = Retention.ExpiresAt(status.CompletedAt, archived, rules.RetentionAfterFinish);
            return now < expires ? new JobDecision.KeepUntil(expires) : new JobDecision.Release(Delete: true);
        }

        // Deleted by hand before it finished: it ends as cancelled (a running attempt's outcome is not awaited), and
        // is archived as such before its finalizer lets it go.
        if (deleting)
        {
            return new JobDecision.Finish(JobPhases.Cancelled, JobDeleted, "Deleted",
                phase == JobPhases.Running ? "deleted while running: the attempt's outcome is not recorded" : "deleted before it ran");
        }

        if (phase == JobPhases.Running)
        {
            return new JobDecision.Track(job.Spec.Cancel && status!.Conditions?.Any(x => x.Type == CancelIgnoredCondition) != true);
        }

        // Queued, or new (no status yet).
        if (hasRunner) return new JobDecision.LeaveToRunner();
        if (job.Spec.Cancel) return new JobDecision.Finish(JobPhases.Cancelled, null, "Cancelled", "cancelled while queued");

        var queuedAt = JobTimes.QueuedAt(job);
        var queueTimeoutAt = queuedAt + rules.MaxQueueTime;
        if (now >= queueTimeoutAt)
        {
            return new JobDecision.Finish(JobPhases.Failed, QueueTimeout, "QueueTimeout",
                $"queued longer than {rules.MaxQueueTime.TotalSeconds:0}s");
        }

        var ready = true;
        var unknown = false;
        foreach (var (name, state) in dependencies)
        {
            switch (state)
            {
                case DependencyState.Failed:
                    return new JobDecision.Finish(JobPhases.Cancelled, DependencyFailed, "DependencyFailed", $"dependency {name} did not complete");
                case DependencyState.Gone:
                    return new JobDecision.Finish(JobPhases.Cancelled, DependencyFailed, "DependencyFailed", $"dependency {name} no longer exists");
                case DependencyState.Pending:
                    ready = false;
                    break;
                case DependencyState.Unknown:
                    ready = false;
                    unknown = true;
                    break;
            }
        }

        var isNew = string.IsNullOrEmpty(phase);
        var initDue = (isNew ? firstSeen : now) + rules.InitialStatusDelay;
        var retryAt = status?.NextAttemptAt is { } next && JobTimes.Utc(next) > now ? JobTimes.Utc(next) : (DateTime?)null;
        if (!ready || retryAt is not null)
        {
            if (isNew && now < initDue) return new JobDecision.WaitUntil(initDue, Initialise: false);
            var wake = retryAt is { } r && r < queueTimeoutAt ? r : queueTimeoutAt;
            if (unknown && now + (rules.UnknownDependencyRecheck ?? TimeSpan.FromSeconds(5)) < wake) wake = now + (rules.UnknownDependencyRecheck ?? TimeSpan.FromSeconds(5));
            return new JobDecision.WaitUntil(wake, Initialise: isNew);
        }

        // Claimable. A job without status is offered at once; it gets its Queued status only if it waits,
        // which saves a write per job when capacity is free.
        var initialise = isNew && now >= initDue;
        return new JobDecision.Claimable(initialise, isNew && !initialise ? initDue : queueTimeoutAt);
    }
}
