using k8s.Models;
using Nexus.Crds.Entities;
using Nexus.Operator.Archive;
using Nexus.Operator.Jobs;

namespace Nexus.Tests.Operator;

/// <summary>The claim path's one decision, on a fixed clock: no waiting, every branch.</summary>
public sealed class JobDecisionTests
{
    private static readonly DateTime T0 = new(2026, 3, 1, 12, 0, 0, DateTimeKind.Utc);
    private static readonly JobRules Rules = new(RetentionAfterFinish: TimeSpan.FromMinutes(15), MaxQueueTime: TimeSpan.FromHours(24),
        InitialStatusDelay: TimeSpan.FromSeconds(1));
    private static readonly (string, DependencyState)[] NoDeps = [];

    private static AiJob Job(string? phase = null, DateTime? queuedAt = null, DateTime? nextAttemptAt = null, DateTime? completedAt = null,
        bool cancel = false, List<V1Condition>? conditions = null, DateTime? archivedAt = null, DateTime? deletedAt = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = "job-a", CreationTimestamp = T0, DeletionTimestamp = deletedAt },
        Spec = new AiJobSpec { Type = JobTypes.PricingRecalculate, Tenant = "acme", Priority = Priorities.Normal, Cancel = cancel },
        Status = phase is null ? null : new AiJobStatus
        {
            Phase = phase, QueuedAt = queuedAt ?? T0, NextAttemptAt = nextAttemptAt, CompletedAt = completedAt, Conditions = conditions,
            ArchivedAt = archivedAt,
        },
    };

    private static JobDecision Decide(AiJob job, DateTime now, (string, DependencyState)[]? deps = null, DateTime? firstSeen = null, bool hasRunner = false) =>
        JobDecisions.Decide(job, deps ?? NoDeps, now, firstSeen ?? now, hasRunner, Rules);

    [Fact]
    public void A_new_job_is_claimable_at_once_and_gets_its_queued_status_only_after_the_initial_delay()
    {
        Assert.Equal(new JobDecision.Claimable(Initialise: false, RecheckAt: T0.AddSeconds(1)), Decide(Job(), T0, firstSeen: T0));
        Assert.Equal(new JobDecision.Claimable(Initialise: true, RecheckAt: T0.AddHours(24)), Decide(Job(), T0.AddSeconds(1), firstSeen: T0));
    }

    [Fact]
    public void A_queued_job_is_claimable_until_the_queue_time_limit_then_fails_with_queue_timeout()
    {
        var job = Job(JobPhases.Queued);
        Assert.Equal(new JobDecision.Claimable(false, T0.AddHours(24)), Decide(job, T0.AddHours(23)));
        var finish = Assert.IsType<JobDecision.Finish>(Decide(job, T0.AddHours(24)));
        Assert.Equal((JobPhases.Failed, JobDecisions.QueueTimeout), (finish.Phase, finish.Code));
    }

    [Fact]
    public void A_job_waiting_for_its_retry_waits_until_the_stored_next_attempt_time()
    {
        var job = Job(JobPhases.Queued, nextAttemptAt: T0.AddSeconds(30));
        Assert.Equal(new JobDecision.WaitUntil(T0.AddSeconds(30), Initialise: false), Decide(job, T0.AddSeconds(10)));
        Assert.IsType<JobDecision.Claimable>(Decide(job, T0.AddSeconds(30).AddTicks(1)));
    }

    [Fact]
    public void A_retry_due_after_the_queue_time_limit_wakes_at_the_limit()
    {
        var job = Job(JobPhases.Queued, nextAttemptAt: T0.AddHours(30));
        Assert.Equal(new JobDecision.WaitUntil(T0.AddHours(24), false), Decide(job, T0.AddHours(1)));
    }

    [Fact]
    public void Dependencies_hold_a_job_back_until_complete_and_end_it_when_failed_or_gone()
    {
        var job = Job(JobPhases.Queued);
        Assert.Equal(new JobDecision.WaitUntil(T0.AddHours(24), false), Decide(job, T0, [("job-b", DependencyState.Completed), ("job-c", DependencyState.Pending)]));
        Assert.IsType<JobDecision.Claimable>(Decide(job, T0, [("job-b", DependencyState.Completed)]));
        var failed = Assert.IsType<JobDecision.Finish>(Decide(job, T0, [("job-b", DependencyState.Failed)]));
        Assert.Equal((JobPhases.Cancelled, JobDecisions.DependencyFailed), (failed.Phase, failed.Code));
        var gone = Assert.IsType<JobDecision.Finish>(Decide(job, T0, [("job-b", DependencyState.Gone)]));
        Assert.Equal((JobPhases.Cancelled, JobDecisions.DependencyFailed), (gone.Phase, gone.Code));
        Assert.Contains("job-b no longer exists", gone.Message);
    }

    [Fact]
    public void A_new_job_waiting_on_a_dependency_is_given_its_queued_status_after_the_initial_delay()
    {
        var pending = new[] { ("job-b", DependencyState.Pending) };
        Assert.Equal(new JobDecision.WaitUntil(T0.AddSeconds(1), Initialise: false), Decide(Job(), T0, pending, firstSeen: T0));
        Assert.Equal(new JobDecision.WaitUntil(T0.AddHours(24), Initialise: true), Decide(Job(), T0.AddSeconds(2), pending, firstSeen: T0));
    }

    [Fact]
    public void Cancel_ends_a_queued_job_and_is_noted_once_on_a_running_one()
    {
        Assert.Equal(JobPhases.Cancelled, Assert.IsType<JobDecision.Finish>(Decide(Job(JobPhases.Queued, cancel: true), T0)).Phase);
        Assert.Equal(new JobDecision.Track(NoteCancelIgnored: true), Decide(Job(JobPhases.Running, cancel: true), T0));
        var noted = Job(JobPhases.Running, cancel: true, conditions: [new V1Condition { Type = JobDecisions.CancelIgnoredCondition, Status = "True" }]);
        Assert.Equal(new JobDecision.Track(NoteCancelIgnored: false), Decide(noted, T0));
    }

    [Fact]
    public void A_job_its_runner_holds_is_left_to_the_runner()
    {
        Assert.IsType<JobDecision.LeaveToRunner>(Decide(Job(JobPhases.Queued, cancel: true), T0, hasRunner: true));
    }

    [Fact]
    public void A_finished_job_is_archived_first_then_kept_for_the_retention_after_it_finished_then_released_and_never_moved_out_of_its_phase()
    {
        var done = Job(JobPhases.Completed, completedAt: T0.AddMinutes(5));
        Assert.IsType<JobDecision.Archive>(Decide(done, T0.AddDays(30), [("job-b", DependencyState.Gone)]));
        // The retention runs from the finish (5 min): archiving a minute later does not add that minute.
        var archived = Job(JobPhases.Completed, completedAt: T0.AddMinutes(5), archivedAt: T0.AddMinutes(6));
        Assert.Equal(new JobDecision.KeepUntil(T0.AddMinutes(20)), Decide(archived, T0.AddMinutes(6)));
        Assert.Equal(new JobDecision.Release(Delete: true), Decide(archived, T0.AddMinutes(20)));
        Assert.IsType<JobDecision.KeepUntil>(Decide(Job(JobPhases.Failed, completedAt: T0, cancel: true, archivedAt: T0), T0.AddMinutes(1)));
    }

    [Fact]
    public void A_job_archived_after_its_retention_had_passed_is_released_at_once_and_never_before_it_is_archived()
    {
        // Archived an hour late (the database was down): it has been shown for its retention already.
        var late = Job(JobPhases.Completed, completedAt: T0, archivedAt: T0.AddHours(1));
        Assert.Equal(new JobDecision.Release(Delete: true), Decide(late, T0.AddHours(1)));
        Assert.IsType<JobDecision.Archive>(Decide(Job(JobPhases.Completed, completedAt: T0), T0.AddHours(1)));
        Assert.Equal(T0.AddMinutes(15), Retention.ExpiresAt(T0, T0.AddSeconds(1), TimeSpan.FromMinutes(15)));
        Assert.Equal(T0.AddHours(1), Retention.ExpiresAt(T0, T0.AddHours(1), TimeSpan.FromMinutes(15)));
        Assert.Equal(T0.AddHours(1).AddMinutes(15), Retention.ExpiresAt(null, T0.AddHours(1), TimeSpan.FromMinutes(15)));
    }

    [Fact]
    public void A_dependency_that_cannot_be_looked_up_is_waited_on_and_looked_up_again_soon()
    {
        var rules = Rules with { UnknownDependencyRecheck = TimeSpan.FromSeconds(3) };
        var decision = JobDecisions.Decide(Job(JobPhases.Queued), [("job-b", DependencyState.Unknown)], T0, T0, false, rules);
        Assert.Equal(new JobDecision.WaitUntil(T0.AddSeconds(3), Initialise: false), decision);
    }

    [Fact]
    public void A_job_deleted_by_hand_is_archived_before_it_goes_and_one_not_finished_ends_as_cancelled()
    {
        Assert.IsType<JobDecision.Archive>(Decide(Job(JobPhases.Completed, completedAt: T0, deletedAt: T0), T0));
        Assert.Equal(new JobDecision.Release(Delete: false), Decide(Job(JobPhases.Completed, completedAt: T0, archivedAt: T0, deletedAt: T0), T0));
        foreach (var phase in new[] { JobPhases.Queued, JobPhases.Running })
        {
            var finish = Assert.IsType<JobDecision.Finish>(Decide(Job(phase, deletedAt: T0), T0, hasRunner: phase == JobPhases.Running));
            Assert.Equal((JobPhases.Cancelled, JobDecisions.JobDeleted), (finish.Phase, finish.Code));
        }
    }
}
