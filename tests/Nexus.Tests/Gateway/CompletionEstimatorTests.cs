using Nexus.Crds.Entities;
using Nexus.Gateway.Cache;
using Nexus.Gateway.Jobs;

namespace Nexus.Tests.Gateway;

public class CompletionEstimatorTests
{
    private static readonly DateTimeOffset Created = new(2026, 3, 12, 14, 32, 1, 123, TimeSpan.Zero);

    [Fact]
    public void Without_history_the_estimate_is_the_middle_of_the_typical_range_and_no_wait()
    {
        var estimator = new CompletionEstimator(50);
        // pricing_recalculate: 10-60 s typical.
        Assert.Equal(Created.AddSeconds(35), estimator.Estimate(JobTypes.PricingRecalculate, Created));
        // llm_visibility_score: 60-300 s typical.
        Assert.Equal(Created.AddSeconds(180), estimator.Estimate(JobTypes.LlmVisibilityScore, Created));
    }

    [Fact]
    public void With_history_it_uses_the_median_run_and_wait_of_that_type_only()
    {
        var estimator = new CompletionEstimator(50);
        estimator.Record(JobTypes.PricingRecalculate, runSeconds: 10, waitSeconds: 1);
        estimator.Record(JobTypes.PricingRecalculate, runSeconds: 20, waitSeconds: 2);
        estimator.Record(JobTypes.PricingRecalculate, runSeconds: 300, waitSeconds: 90);
        Assert.Equal(Created.AddSeconds(20 + 2), estimator.Estimate(JobTypes.PricingRecalculate, Created));
        // competitor_scan has no history: 15-60 s typical, middle 37.5 s.
        Assert.Equal(Created.AddSeconds(37.5), estimator.Estimate(JobTypes.CompetitorScan, Created));
    }

    [Fact]
    public void Only_the_most_recent_samples_count()
    {
        var estimator = new CompletionEstimator(3);
        foreach (var run in new[] { 100, 100, 100, 5, 5, 5 }) estimator.Record(JobTypes.CompetitorScan, run, 0);
        Assert.Equal(TimeSpan.FromSeconds(5), estimator.ExpectedRun(JobTypes.CompetitorScan));
    }

    [Fact]
    public void It_learns_from_jobs_seen_completing_in_the_cache_once_each()
    {
        var estimator = new CompletionEstimator(50);
        var store = new JobIndex();
        store.Changed += estimator.Observe;
        var created = DateTimeOffset.UtcNow.AddMinutes(-5);
        var job = GatewayFixtures.Job(type: JobTypes.ReturnClassify, createdAt: created);
        store.Upsert(job);
        job.Status = new AiJobStatus
        {
            Phase = JobPhases.Completed,
            StartedAt = created.AddSeconds(4).UtcDateTime,
            CompletedAt = created.AddSeconds(44).UtcDateTime,
        };
        store.Upsert(job);
        store.Upsert(job); // a resync of the same completed job is not a second sample
        Assert.Equal(TimeSpan.FromSeconds(40), estimator.ExpectedRun(JobTypes.ReturnClassify));
        Assert.Equal(4, estimator.ExpectedWait(JobTypes.ReturnClassify).TotalSeconds, 2);
    }
}
