using Nexus.Tests.Support;
using System.Text.Json.Nodes;
using Nexus.Crds.Entities;
using Nexus.Operator.Dispatch;
using Nexus.Shared;
using Nexus.Tests.Operator.Support;

namespace Nexus.Tests.Operator;

/// <summary>The real operator against the API stand-in, dispatching to fake workers over HTTP.</summary>
public sealed class JobLifecycleTests
{
    [Fact]
    public async Task A_job_is_claimed_dispatched_and_completed_with_its_result()
    {
        await using var c = await OperatorCluster.StartAsync();
        var worker = c.Workers[0];
        worker.Behave = (id, attempt, p) => new FakeBehaviour { Duration = TimeSpan.FromMilliseconds(200), Result = new JsonObject { ["price"] = 12.5 } };
        await c.CreatePoolAsync("pool");
        await c.StartLeaderAsync();
        var job = await c.CreateJobAsync(parameters: new { skus = new[] { "X-9" } });

        var done = await c.WaitForPhaseAsync(job.Metadata.Name, JobPhases.Completed);
        Assert.Equal(12.5, done.Status!.Result!.Value.GetProperty("price").GetDouble());
        Assert.Equal(1, done.Status.Attempts);
        Assert.Equal(worker.Url, done.Status.Worker!.Instance);
        Assert.Equal("pool", done.Status.Worker.Pool);
        Assert.NotNull(done.Status.StartedAt);
        Assert.NotNull(done.Status.CompletedAt);
        Assert.NotNull(done.Status.QueuedAt);
        Assert.Null(done.Status.Error);
        Assert.Equal([(job.Metadata.Name, 1)], worker.Submissions.ToList());
        await Wait.UntilAsync(async () => (await c.EventsForAsync(job.Metadata.Name)).Any(e => e.Reason == "Completed"), "Completed event");
    }

    [Fact]
    public async Task Jobs_are_started_high_then_normal_then_low_fifo_within_priority()
    {
        await using var c = await OperatorCluster.StartAsync();
        var worker = c.Workers[0];
        worker.Ready = false;
        await c.CreatePoolAsync("pool", concurrency: 1);
        await c.StartLeaderAsync();
        var low = await c.CreateJobAsync(priority: Priorities.Low);
        var normal1 = await c.CreateJobAsync(priority: Priorities.Normal);
        var high = await c.CreateJobAsync(priority: Priorities.High);
        var normal2 = await c.CreateJobAsync(priority: Priorities.Normal);
        // Queued while no instance is ready: they get their Queued status, and nothing is claimed.
        foreach (var j in new[] { low, normal1, high, normal2 }) await c.WaitForPhaseAsync(j.Metadata.Name, JobPhases.Queued);
        Assert.Empty(worker.Submissions);

        worker.Ready = true;
        foreach (var j in new[] { low, normal1, high, normal2 }) await c.WaitForPhaseAsync(j.Metadata.Name, JobPhases.Completed);
        Assert.Equal(new[] { high, normal1, normal2, low }.Select(j => j.Metadata.Name), worker.SubmittedIds);
    }

    [Fact]
    public async Task Cancel_while_queued_cancels_and_cancel_while_running_is_ignored_with_a_condition()
    {
        await using var c = await OperatorCluster.StartAsync();
        var worker = c.Workers[0];
        worker.Behave = (id, a, p) => new FakeBehaviour { Duration = TimeSpan.FromSeconds(2), Result = new JsonObject { ["ok"] = true } };
        await c.CreatePoolAsync("pool", concurrency: 1);
        await c.StartLeaderAsync();
        var running = await c.CreateJobAsync();
        await c.WaitForPhaseAsync(running.Metadata.Name, JobPhases.Running);
        var queued = await c.CreateJobAsync();
        await c.WaitForPhaseAsync(queued.Metadata.Name, JobPhases.Queued);

        await c.CancelAsync(queued.Metadata.Name);
        await c.CancelAsync(running.Metadata.Name);

        var cancelled = await c.WaitForPhaseAsync(queued.Metadata.Name, JobPhases.Cancelled);
        Assert.Equal(0, cancelled.Status!.Attempts);
        var stillRunning = await Wait.ForAsync(async () =>
        {
            var j = await c.GetJobAsync(running.Metadata.Name);
            return j?.Status?.Conditions?.Any(x => x.Type == "CancelIgnored") == true ? j : null;
        }, "CancelIgnored condition");
        Assert.Equal(JobPhases.Running, stillRunning.Status!.Phase);
        await c.WaitForPhaseAsync(running.Metadata.Name, JobPhases.Completed);
        Assert.DoesNotContain(queued.Metadata.Name, worker.SubmittedIds);
    }

    [Fact]
    public async Task Retryable_failures_are_retried_and_invalid_params_are_not()
    {
        await using var c = await OperatorCluster.StartAsync();
        var worker = c.Workers[0];
        var invalidSubmits = 0;
        worker.Behave = (id, attempt, p) =>
            p?.GetProperty("skus")[0].GetString() == "bad" ? new FakeBehaviour { RejectParams = $"sku 'bad' does not exist ({Interlocked.Increment(ref invalidSubmits)})" }
            : attempt == 1 ? new FakeBehaviour { Error = ("UPSTREAM_DOWN", "marketplace API timed out", true) }
            : new FakeBehaviour { Result = new JsonObject { ["ok"] = true } };
        await c.CreatePoolAsync("pool");
        await c.StartLeaderAsync();
        var flaky = await c.CreateJobAsync();
        var invalid = await c.CreateJobAsync(parameters: new { skus = new[] { "bad" } });

        var done = await c.WaitForPhaseAsync(flaky.Metadata.Name, JobPhases.Completed);
        Assert.Equal(2, done.Status!.Attempts);
        var failed = await c.WaitForPhaseAsync(invalid.Metadata.Name, JobPhases.Failed);
        Assert.Equal("INVALID_PARAMS", failed.Status!.Error!.Code);
        Assert.Contains("does not exist", failed.Status.Error.Message);
        Assert.Equal(1, failed.Status.Attempts);
        Assert.Equal(1, invalidSubmits); // never retried
    }

    [Fact]
    public async Task Retries_stop_at_max_retries_with_the_workers_error_code()
    {
        await using var c = await OperatorCluster.StartAsync();
        c.Workers[0].Behave = (id, attempt, p) => new FakeBehaviour { Error = ("UPSTREAM_DOWN", "still down", true) };
        await c.CreatePoolAsync("pool");
        await c.StartLeaderAsync();
        var job = await c.CreateJobAsync(maxRetries: 1);
        var failed = await c.WaitForPhaseAsync(job.Metadata.Name, JobPhases.Failed);
        Assert.Equal(2, failed.Status!.Attempts);
        Assert.Equal("UPSTREAM_DOWN", failed.Status.Error!.Code);
        Assert.Equal(1, failed.Status.Error.RetryCount);
    }

    [Fact]
    public async Task An_attempt_past_its_deadline_is_aborted_and_fails_with_worker_timeout()
    {
        await using var c = await OperatorCluster.StartAsync();
        var worker = c.Workers[0];
        worker.Behave = (id, attempt, p) => new FakeBehaviour { Hang = true };
        await c.CreatePoolAsync("pool");
        await c.StartLeaderAsync();
        var job = await c.CreateJobAsync(timeoutSeconds: 1);
        var failed = await c.WaitForPhaseAsync(job.Metadata.Name, JobPhases.Failed);
        Assert.Equal("WORKER_TIMEOUT", failed.Status!.Error!.Code);
        Assert.Contains(job.Metadata.Name, worker.Aborts);
    }

    [Fact]
    public async Task A_worker_that_forgets_the_job_loses_the_attempt_and_the_job_is_retried()
    {
        await using var c = await OperatorCluster.StartAsync();
        var worker = c.Workers[0];
        worker.Behave = (id, attempt, p) => attempt == 1
            ? new FakeBehaviour { Duration = TimeSpan.FromSeconds(30) }
            : new FakeBehaviour { Result = new JsonObject { ["ok"] = true } };
        await c.CreatePoolAsync("pool");
        await c.StartLeaderAsync();
        var job = await c.CreateJobAsync();
        await Wait.UntilAsync(() => worker.Submissions.Count == 1, "first submission");
        await c.WaitForPhaseAsync(job.Metadata.Name, JobPhases.Running);
        await Wait.UntilAsync(async () => (await c.GetJobAsync(job.Metadata.Name))!.Status!.Attempts == 1, "attempt 1 running");
        worker.ForgetAll(); // an instance restart

        var done = await c.WaitForPhaseAsync(job.Metadata.Name, JobPhases.Completed);
        Assert.Equal(2, done.Status!.Attempts);
        Assert.Equal([1, 2], worker.Submissions.Select(s => s.Attempt).ToList());
    }

    [Fact]
    public async Task Results_above_the_inline_limit_are_stored_in_the_database_by_reference_and_only_ones_above_the_maximum_fail()
    {
        await using var c = await OperatorCluster.StartAsync();
        var twentyMiB = new string('r', 20 * 1024 * 1024);
        c.Workers[0].Behave = (id, attempt, p) => p?.GetProperty("skus")[0].GetString() switch
        {
            "small" => new FakeBehaviour { Result = new JsonObject { ["text"] = new string('s', 16 * 1024 - 20) } },
            "large" => new FakeBehaviour { Result = new JsonObject { ["text"] = new string('x', 17 * 1024) } },
            _ => new FakeBehaviour { Result = new JsonObject { ["text"] = twentyMiB } },
        };
        await c.CreatePoolAsync("pool");
        c.Tune = o => o with { WorkerRequestTimeout = TimeSpan.FromSeconds(30) };
        await c.StartLeaderAsync();
        var small = await c.CreateJobAsync(parameters: new { skus = new[] { "small" } });
        var large = await c.CreateJobAsync(parameters: new { skus = new[] { "large" } });
        var huge = await c.CreateJobAsync(parameters: new { skus = new[] { "huge" } });

        var inline = await c.WaitForPhaseAsync(small.Metadata.Name, JobPhases.Completed);
        Assert.Null(inline.Status!.ResultRef);
        Assert.Equal(16 * 1024 - 20, inline.Status.Result!.Value.GetProperty("text").GetString()!.Length);

        foreach (var (job, text) in new[] { (large, new string('x', 17 * 1024)), (huge, twentyMiB) })
        {
            var done = await c.WaitForPhaseAsync(job.Metadata.Name, JobPhases.Completed, TimeSpan.FromSeconds(60));
            Assert.Null(done.Status!.Result);
            Assert.Equal(AiJobResultRef.PostgreSql, done.Status.ResultRef!.Store);
            Assert.Equal(text.Length + """{"text":""}""".Length, done.Status.ResultRef.SizeBytes);
            var stored = await c.History.Jobs.GetResultAsync("acme", ResourceIds.JobIdFromName(job.Metadata.Name));
            Assert.Equal(text, stored!.Value.GetProperty("text").GetString());
        }

        // No result ConfigMaps any more.
        var maps = await c.Api.ListAllAsync<k8s.Models.V1ConfigMap>(ResourceKind.ConfigMap.Collection(OperatorCluster.Ns), default);
        Assert.DoesNotContain(maps, m => m.Metadata.Name.EndsWith("-result", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(2 * 1024 * 1024)] // the answer is longer than the operator reads: it stops reading at the limit
    [InlineData(1024 * 1024 + 100)] // read whole (within the envelope allowance), then measured
    public async Task A_result_above_the_maximum_fails_with_result_too_large(int size)
    {
        await using var c = await OperatorCluster.StartAsync();
        c.Workers[0].Behave = (_, _, _) => new FakeBehaviour { Result = new JsonObject { ["text"] = new string('o', size) } };
        await c.CreatePoolAsync("pool");
        c.Tune = o => o with { ResultMaxBytes = 1024 * 1024 };
        await c.StartLeaderAsync();
        var job = await c.CreateJobAsync();
        var failed = await c.WaitForPhaseAsync(job.Metadata.Name, JobPhases.Failed);
        Assert.True(failed.Status!.Error!.Code == "RESULT_TOO_LARGE", failed.Status.Error.Message);
        Assert.Null(await c.History.Jobs.GetResultAsync("acme", ResourceIds.JobIdFromName(job.Metadata.Name)));
        Assert.Single(c.Workers[0].Submissions);
    }

    [Fact]
    public async Task Nothing_is_claimed_without_a_pool_and_a_job_queued_too_long_fails()
    {
        await using var c = await OperatorCluster.StartAsync();
        c.Tune = o => o with { MaxQueueTime = TimeSpan.FromSeconds(2) };
        await c.StartLeaderAsync();
        var job = await c.CreateJobAsync();
        await c.WaitForPhaseAsync(job.Metadata.Name, JobPhases.Queued);
        var failed = await c.WaitForPhaseAsync(job.Metadata.Name, JobPhases.Failed);
        Assert.Equal("QUEUE_TIMEOUT", failed.Status!.Error!.Code);
        Assert.Empty(c.Workers[0].Submissions);
    }
}
