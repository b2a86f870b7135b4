using Nexus.Tests.Support;
using System.Text.Json.Nodes;
using Nexus.Crds.Entities;
using Nexus.Shared;
using Nexus.Tests.Operator.Support;

namespace Nexus.Tests.Operator;

public sealed class RetentionAndMetricsTests
{
    [Fact]
    public async Task Finished_jobs_are_deleted_after_the_retention_that_follows_their_archive_and_never_run_again()
    {
        await using var c = await OperatorCluster.StartAsync();
        await c.CreatePoolAsync("pool");
        c.Tune = o => o with { RetentionAfterFinish = TimeSpan.FromSeconds(1), HistorySweepInterval = TimeSpan.FromMilliseconds(200) };
        var op = await c.StartLeaderAsync();
        var job = await c.CreateJobAsync();
        var archived = await Wait.ForAsync(async () => await c.GetJobAsync(job.Metadata.Name) is { Status.ArchivedAt: not null } j ? j : null, "job archived");
        Assert.Equal(JobPhases.Completed, archived.Status!.Phase);
        await Wait.UntilAsync(async () => await c.GetJobAsync(job.Metadata.Name) is null, "job deleted after the retention");
        Assert.Equal(JobPhases.Completed, (await c.ArchivedAsync(job.Metadata.Name))!.Status);
        Assert.Single(c.Workers[0].Submissions);
        // The leader sweeps the database's retention and counts what it deleted.
        await Wait.UntilAsync(async () => await OperatorCluster.MetricAsync(op, "nexus_history_retention_sweeps_total{result=\"success\"}") >= 1, "a sweep ran");
        Assert.Contains("nexus_history_retention_deleted_total{table=\"jobs\"} 0", await new HttpClient().GetStringAsync(op.Url + "/metrics"));
    }

    [Fact]
    public async Task Metrics_health_and_readiness_are_served()
    {
        await using var c = await OperatorCluster.StartAsync();
        // One job fails its first attempt and is retried; another fails for good at once.
        c.Workers[0].Behave = (id, attempt, p) =>
            p is { } given && given.TryGetProperty("skus", out var skus) && skus[0].GetString() == "gone" ? new FakeBehaviour { Error = ("UPSTREAM_DOWN", "for good", false) }
            : attempt == 1 ? new FakeBehaviour { Error = ("UPSTREAM_DOWN", "retry me", true) }
            : new FakeBehaviour { Result = new JsonObject { ["ok"] = true } };
        await c.CreatePoolAsync("pool", concurrency: 3);
        var op = await c.StartLeaderAsync();
        var job = await c.CreateJobAsync(type: JobTypes.ReviewSentiment);
        var failing = await c.CreateJobAsync(type: JobTypes.ReviewSentiment, parameters: new { skus = new[] { "gone" } });
        await c.WaitForPhaseAsync(job.Metadata.Name, JobPhases.Completed);
        await c.WaitForPhaseAsync(failing.Metadata.Name, JobPhases.Failed);

        using var http = new HttpClient();
        Assert.Equal("ok", await http.GetStringAsync(op.Url + "/healthz"));
        Assert.Equal("ok", await http.GetStringAsync(op.Url + "/readyz"));
        string text = "";
        await Wait.UntilAsync(async () =>
        {
            text = await http.GetStringAsync(op.Url + "/metrics");
            return text.Contains("nexus_aijob_finished_total{type=\"review_sentiment\",outcome=\"completed\"} 1")
                && text.Contains("nexus_aijob_finished_total{type=\"review_sentiment\",outcome=\"failed\"} 1");
        }, "finished counters");
        Assert.Contains("nexus_operator_is_leader 1", text);
        Assert.Contains("nexus_aijobs{phase=\"completed\",type=\"review_sentiment\",priority=\"normal\"} 1", text);
        Assert.Contains("nexus_aijob_retries_total{type=\"review_sentiment\"} 1", text);
        Assert.Contains("nexus_aijobs{phase=\"failed\",type=\"review_sentiment\",priority=\"normal\"} 1", text);
        // The retried attempt and the final one failed; only one job did.
        Assert.Contains("nexus_aijob_attempt_failures_total{type=\"review_sentiment\",code=\"UPSTREAM_DOWN\"} 2", text);
        Assert.Contains("nexus_aijob_failures_total{type=\"review_sentiment\",code=\"UPSTREAM_DOWN\"} 1", text);
        Assert.Contains("nexus_workerpool_capacity{pool=\"pool\"} 3", text);
        Assert.Contains("nexus_workerpool_status_ready_replicas{pool=\"pool\"} 1", text);
        // The "pinned at max replicas" alert compares desired with these bounds.
        Assert.Contains("nexus_workerpool_spec_max_replicas{pool=\"pool\"} 10", text);
        Assert.Contains("nexus_workerpool_spec_min_replicas{pool=\"pool\"} 0", text);
        // Once per job: the wait before its first attempt, the run of its last.
        Assert.Contains("nexus_aijob_queue_wait_seconds_count 2", text);
        Assert.Contains("nexus_aijob_run_duration_seconds_count 2", text);
        Assert.Contains("nexus_aijob_oldest_queued_seconds{type=\"review_sentiment\"} 0", text);
        Assert.Contains("nexus_operator_reconcile_total{kind=\"aijob\",result=\"success\"}", text);
        Assert.Contains("nexus_operator_watch_restarts_total", text);
    }
}
