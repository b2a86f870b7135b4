using Nexus.Crds.Entities;
using Nexus.Gateway.Cache;
using Nexus.Gateway.Jobs;
using Nexus.Operator.Dispatch;

namespace Nexus.Tests.Gateway;

/// <summary>Live signals in the cache and the view: carried over informer updates, shown only while they apply.</summary>
public sealed class LiveSignalViewTests
{
    private static readonly DateTimeOffset At = new(2026, 3, 12, 14, 0, 0, TimeSpan.Zero);

    private static LiveSignal Live(int attempt = 1, double? progress = null, int? position = null) =>
        new(attempt, progress, position, position is null ? null : 1, At, position is null ? null : At.AddMinutes(position.Value));

    [Fact]
    public void Progress_is_kept_over_informer_updates_and_shown_only_while_running_its_attempt()
    {
        var index = new JobIndex();
        var job = GatewayFixtures.Job();
        job.Status = new AiJobStatus { Phase = JobPhases.Running, Attempts = 1, StartedAt = At.UtcDateTime };
        index.Upsert(job);
        var changes = new List<(CachedJob? Previous, CachedJob? Next)>();
        index.Changed += (p, n) => changes.Add((p, n));
        var woken = index.NextChange(job.Metadata.Name);

        Assert.True(index.SetLive(job.Metadata.Name, Live(progress: 0.25)));

        Assert.True(woken.IsCompleted, "a long-poll on the job wakes");
        var (previous, next) = Assert.Single(changes);
        Assert.Null(previous!.Progress);
        Assert.Equal(0.25, next!.Progress);
        Assert.Equal(0.25, JobMapper.ToView(next).Progress);

        // The informer's next version of the job knows nothing of it: the progress stays.
        job.Metadata.ResourceVersion = "2";
        index.Upsert(job);
        Assert.True(index.TryGet(job.Metadata.Name, out var updated));
        Assert.Equal(0.25, updated.Progress);

        // The same signals again publish nothing.
        Assert.False(index.SetLive(job.Metadata.Name, Live(progress: 0.25)));
        Assert.Equal(2, changes.Count);

        // A retry: the progress belonged to attempt 1.
        job.Status = new AiJobStatus { Phase = JobPhases.Running, Attempts = 2, StartedAt = At.UtcDateTime };
        index.Upsert(job);
        Assert.True(index.TryGet(job.Metadata.Name, out var retried));
        Assert.Null(retried.Progress);
        Assert.Null(JobMapper.ToView(retried).Progress);

        job.Status = new AiJobStatus { Phase = JobPhases.Completed, Attempts = 2, StartedAt = At.UtcDateTime, CompletedAt = At.UtcDateTime };
        index.SetLive(job.Metadata.Name, Live(attempt: 2, progress: 0.9));
        index.Upsert(job);
        Assert.True(index.TryGet(job.Metadata.Name, out var done));
        Assert.Null(done.Progress);
    }

    [Fact]
    public void A_queued_job_shows_its_position_and_the_estimate_made_from_it_and_no_position_once_running()
    {
        var index = new JobIndex();
        var job = GatewayFixtures.Job();
        index.Upsert(job);
        index.SetLive(job.Metadata.Name, Live(attempt: 0, position: 3));

        Assert.True(index.TryGet(job.Metadata.Name, out var queued));
        var view = JobMapper.ToView(queued);
        Assert.Equal(3, view.QueuePosition);
        Assert.Null(view.Progress);
        Assert.Equal(JobTimes.Format(At.AddMinutes(3)), view.EstimatedCompletionAt);

        job.Status = new AiJobStatus { Phase = JobPhases.Running, Attempts = 1, StartedAt = At.UtcDateTime };
        index.Upsert(job);
        Assert.True(index.TryGet(job.Metadata.Name, out var running));
        Assert.Null(JobMapper.ToView(running).QueuePosition);
        Assert.NotEqual(JobTimes.Format(At.AddMinutes(3)), JobMapper.ToView(running).EstimatedCompletionAt);
    }

    [Fact]
    public void A_signal_for_a_job_not_cached_is_not_applied()
    {
        var index = new JobIndex();
        Assert.False(index.SetLive("job-unknown", Live(progress: 0.5)));
        Assert.Equal(0, index.Count);
    }

    [Fact]
    public void The_queued_estimate_counts_waves_of_the_pools_capacity_and_the_types_median_run()
    {
        var estimator = new CompletionEstimator(10);
        estimator.Record(JobTypes.PricingRecalculate, 10, 0);
        estimator.Record(JobTypes.PricingRecalculate, 30, 0);
        estimator.Record(JobTypes.PricingRecalculate, 20, 0); // median 20 s

        // Capacity 1: one run each further back; ½ run for the slot's job under way, then its own run.
        Assert.Equal(At.AddSeconds(30), estimator.EstimateQueued(JobTypes.PricingRecalculate, 1, 1, At));
        Assert.Equal(At.AddSeconds(70), estimator.EstimateQueued(JobTypes.PricingRecalculate, 3, 1, At));
        // Capacity 4: positions 1-4 start in the first wave, 5 in the second.
        Assert.Equal(At.AddSeconds(30), estimator.EstimateQueued(JobTypes.PricingRecalculate, 4, 4, At));
        Assert.Equal(At.AddSeconds(50), estimator.EstimateQueued(JobTypes.PricingRecalculate, 5, 4, At));
        // Scaled to zero counts as one.
        Assert.Equal(At.AddSeconds(50), estimator.EstimateQueued(JobTypes.PricingRecalculate, 2, 0, At));
        Assert.Throws<ArgumentOutOfRangeException>(() => estimator.EstimateQueued(JobTypes.PricingRecalculate, 0, 1, At));
    }

    [Fact]
    public void The_worker_answers_progress_is_read_and_an_out_of_range_one_ignored()
    {
        static double? Progress(string json) => WorkerAnswer.Parse(System.Text.Encoding.UTF8.GetBytes(json), System.Text.Encoding.UTF8.GetByteCount(json)).Progress;
        Assert.Equal(0.42, Progress("""{"status":"running","progress":0.42}"""));
        Assert.Null(Progress("""{"status":"running"}"""));
        Assert.Null(Progress("""{"status":"running","progress":1.5}"""));
        Assert.Null(Progress("""{"status":"running","progress":"half"}"""));
    }
}
