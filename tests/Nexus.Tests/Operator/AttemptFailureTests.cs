using System.Text.Json.Nodes;
using Nexus.Crds.Entities;
using Nexus.Operator;
using Nexus.Operator.Jobs;
using Nexus.Shared;
using Nexus.Tests.Operator.Support;
using Nexus.Tests.Support;

namespace Nexus.Tests.Operator;

/// <summary>
/// Every way an attempt can fail, through the real operator and fake workers over HTTP: what the job's status says
/// afterwards (attempts, error code, retry count), that a retry waited for the stored next-attempt time, and that
/// the slot went back whatever the path.
/// </summary>
public sealed class AttemptFailureTests
{
    private static readonly FakeBehaviour Long = new() { Duration = TimeSpan.FromSeconds(30) };
    private static readonly FakeBehaviour Done = new() { Result = new JsonObject { ["ok"] = true } };

    private static async Task<(OperatorCluster, OperatorHost, JobHistory)> StartAsync(int workers = 1, bool poolOfAll = true)
    {
        var c = await OperatorCluster.StartAsync(workers);
        // Retries a second apart, so "waited for the stored time" is a real constraint.
        c.Tune = o => o with { RetryBaseDelay = TimeSpan.FromSeconds(1), RetryMaxDelay = TimeSpan.FromSeconds(2), LostAfterFailedPolls = 3 };
        if (poolOfAll) await c.CreatePoolAsync("pool");
        var history = await JobHistory.StartAsync(c);
        var op = await c.StartLeaderAsync();
        return (c, op, history);
    }

    /// <summary>The version the operator wrote when attempt <paramref name="failed"/> failed and a retry was planned.</summary>
    private static AiJob RetryPlanned(JobHistory history, string name, int failed) =>
        history.Of(name).First(v => v.Status is { Phase: JobPhases.Queued, NextAttemptAt: not null, Error: not null } s && s.Error.RetryCount == failed);

    private static void AssertWaitedForNextAttempt(AiJob planned, IEnumerable<FakeWorker> workers, int attempt)
    {
        var next = JobTimes.Utc(planned.Status!.NextAttemptAt!.Value);
        var accepted = workers.Select(w => w.AcceptedAt.TryGetValue((planned.Metadata.Name, attempt), out var t) ? t : (DateTime?)null).Single(t => t is not null)!.Value;
        Assert.True(accepted >= next, $"attempt {attempt} was submitted at {accepted:O}, before the stored next-attempt time {next:O}");
    }

    private static Task SlotsReleasedAsync(OperatorHost op) =>
        Wait.UntilAsync(() => op.Term!.Registry.InFlightOf("pool") == 0 && op.Term.Runner.ActiveCount == 0, "every slot released");

    [Fact]
    public async Task A_busy_worker_429_puts_the_job_back_in_the_queue_without_using_an_attempt()
    {
        var (c, op, history) = await StartAsync();
        await using var _ = c;
        await using var __ = history;
        var worker = c.Workers[0];
        var refused = 0;
        worker.RefuseSubmit = (_, _) => Interlocked.Increment(ref refused) == 1 ? 429 : null;
        var job = await c.CreateJobAsync();

        var done = await c.WaitForPhaseAsync(job.Metadata.Name, JobPhases.Completed);
        Assert.Equal(1, done.Status!.Attempts);
        Assert.Null(done.Status.Error);
        Assert.Equal([(job.Metadata.Name, 1, 429)], worker.Refusals.Select(r => (r.Id, r.Attempt, r.Code)).ToList());
        var backInQueue = history.Of(job.Metadata.Name).First(v => v.Status is { Phase: JobPhases.Queued, NextAttemptAt: not null });
        Assert.Equal(0, backInQueue.Status!.Attempts);
        Assert.Null(backInQueue.Status.Error);
        Assert.Null(backInQueue.Status.Worker);
        var next = JobTimes.Utc(backInQueue.Status.NextAttemptAt!.Value);
        Assert.True(worker.AcceptedAt[(job.Metadata.Name, 1)] >= next, "the busy job was claimed again before its next-attempt time");
        await SlotsReleasedAsync(op);
    }

    [Fact]
    public async Task A_worker_that_refuses_the_connection_at_submit_puts_the_job_back_without_using_an_attempt()
    {
        var c = await OperatorCluster.StartAsync(workers: 1);
        await using var _ = c;
        // The pool's view is refreshed rarely, so the operator still takes the stopped instance for ready: the state
        // between a crash and the endpoint update that reports it.
        c.Tune = o => o with { RetryBaseDelay = TimeSpan.FromMilliseconds(200), RetryMaxDelay = TimeSpan.FromSeconds(1), PoolResyncInterval = TimeSpan.FromHours(1) };
        await c.CreatePoolAsync("pool");
        await using var history = await JobHistory.StartAsync(c);
        var op = await c.StartLeaderAsync();
        await Wait.UntilAsync(() => op.Term?.Registry.Snapshot().Any(p => p.Name == "pool" && p.ReadyCount == 1) == true, "the pool's instance is ready");
        await c.Workers[0].StopListeningAsync();

        var job = await c.CreateJobAsync(maxRetries: 0);

        await Wait.UntilAsync(() => history.Of(job.Metadata.Name).Count(v => v.Status is { Phase: JobPhases.Queued, NextAttemptAt: not null }) >= 2,
            "the job put back in the queue twice");
        var current = await c.GetJobAsync(job.Metadata.Name);
        Assert.Equal(JobPhases.Queued, current!.Status!.Phase);
        var versions = history.Of(job.Metadata.Name);
        Assert.DoesNotContain(versions, v => v.Status?.Phase == JobPhases.Failed);
        // Each claim counts its attempt while it runs; a refused connection gives it back.
        Assert.All(versions.Where(v => v.Status is { Phase: JobPhases.Queued, NextAttemptAt: not null }),
            v => Assert.True(v.Status is { Attempts: 0, Error: null }, $"an attempt was used: {v.Status!.Attempts} {v.Status.Error?.Code}"));
    }

    [Fact]
    public async Task A_5xx_on_submit_is_retried_while_retries_remain_then_fails_with_worker_lost()
    {
        var (c, op, history) = await StartAsync();
        await using var _ = c;
        await using var __ = history;
        var worker = c.Workers[0];
        var flaky = await c.CreateJobAsync(maxRetries: 1);
        var down = await c.CreateJobAsync(maxRetries: 0);
        worker.RefuseSubmit = (id, attempt) => id == down.Metadata.Name || attempt == 1 ? 503 : null;

        var done = await c.WaitForPhaseAsync(flaky.Metadata.Name, JobPhases.Completed);
        Assert.Equal(2, done.Status!.Attempts);
        var planned = RetryPlanned(history, flaky.Metadata.Name, failed: 1);
        Assert.Equal("WORKER_LOST", planned.Status!.Error!.Code);
        Assert.Contains("503", planned.Status.Error.Message);
        AssertWaitedForNextAttempt(planned, c.Workers, attempt: 2);

        var failed = await c.WaitForPhaseAsync(down.Metadata.Name, JobPhases.Failed);
        Assert.Equal(1, failed.Status!.Attempts);
        Assert.Equal("WORKER_LOST", failed.Status.Error!.Code);
        Assert.Equal(0, failed.Status.Error.RetryCount);
        Assert.Null(failed.Status.NextAttemptAt);
        await SlotsReleasedAsync(op);
    }

    [Fact]
    public async Task A_worker_that_stops_listening_mid_run_loses_the_attempt_after_the_failed_polls_and_the_retry_runs_elsewhere()
    {
        var (c, op, history) = await StartAsync(workers: 2);
        await using var _ = c;
        await using var __ = history;
        foreach (var w in c.Workers) w.Behave = (_, attempt, _) => attempt == 1 ? Long : Done;
        var job = await c.CreateJobAsync(maxRetries: 1);
        var first = await Wait.ForAsync(() => Task.FromResult(c.Workers.FirstOrDefault(w => w.AcceptedAt.ContainsKey((job.Metadata.Name, 1)))), "attempt 1 accepted");
        await first.StopListeningAsync();

        var done = await c.WaitForPhaseAsync(job.Metadata.Name, JobPhases.Completed);
        Assert.Equal(2, done.Status!.Attempts);
        Assert.NotEqual(first.Url, done.Status.Worker!.Instance);
        var planned = RetryPlanned(history, job.Metadata.Name, failed: 1);
        Assert.Equal("WORKER_LOST", planned.Status!.Error!.Code);
        Assert.Contains("unreachable", planned.Status.Error.Message);
        AssertWaitedForNextAttempt(planned, c.Workers, attempt: 2);
        await SlotsReleasedAsync(op);
    }

    [Fact]
    public async Task A_worker_that_forgets_the_job_404_loses_each_attempt_until_retries_run_out()
    {
        var (c, op, history) = await StartAsync();
        await using var _ = c;
        await using var __ = history;
        var worker = c.Workers[0];
        worker.Behave = (_, _, _) => Long;
        var job = await c.CreateJobAsync(maxRetries: 1);
        await Wait.UntilAsync(() => worker.AcceptedAt.ContainsKey((job.Metadata.Name, 1)), "attempt 1 accepted");
        worker.ForgetAll();
        await Wait.UntilAsync(() => worker.AcceptedAt.ContainsKey((job.Metadata.Name, 2)), "attempt 2 accepted");
        worker.ForgetAll();

        var failed = await c.WaitForPhaseAsync(job.Metadata.Name, JobPhases.Failed);
        Assert.Equal(2, failed.Status!.Attempts);
        Assert.Equal("WORKER_LOST", failed.Status.Error!.Code);
        Assert.Contains("no longer knows", failed.Status.Error.Message);
        Assert.Equal(1, failed.Status.Error.RetryCount);
        var planned = RetryPlanned(history, job.Metadata.Name, failed: 1);
        Assert.Equal("WORKER_LOST", planned.Status!.Error!.Code);
        AssertWaitedForNextAttempt(planned, c.Workers, attempt: 2);
        await SlotsReleasedAsync(op);
    }

    [Fact]
    public async Task A_worker_reporting_a_stale_attempt_does_not_have_the_current_one_and_the_attempt_is_lost()
    {
        var (c, op, history) = await StartAsync();
        await using var _ = c;
        await using var __ = history;
        var worker = c.Workers[0];
        worker.Behave = (_, attempt, _) => attempt == 1 ? Long : Done;
        worker.ReportsStaleAttempt = (_, attempt) => attempt == 1;
        var job = await c.CreateJobAsync(maxRetries: 1);

        var done = await c.WaitForPhaseAsync(job.Metadata.Name, JobPhases.Completed);
        Assert.Equal(2, done.Status!.Attempts);
        var planned = RetryPlanned(history, job.Metadata.Name, failed: 1);
        Assert.Equal("WORKER_LOST", planned.Status!.Error!.Code);
        Assert.Equal(1, planned.Status.Error.RetryCount);
        AssertWaitedForNextAttempt(planned, c.Workers, attempt: 2);
        await SlotsReleasedAsync(op);
    }

    [Fact]
    public async Task A_worker_that_disappears_from_its_pool_loses_the_attempt_and_the_retry_runs_on_the_pool_as_it_is_now()
    {
        var (c, op, history) = await StartAsync(workers: 2, poolOfAll: false);
        await using var _ = c;
        await using var __ = history;
        var (gone, stays) = (c.Workers[0], c.Workers[1]);
        foreach (var w in c.Workers) w.Behave = (_, attempt, _) => attempt == 1 ? Long : Done;
        await c.CreatePoolAsync("pool", workers: [gone]);
        var job = await c.CreateJobAsync(maxRetries: 1);
        await Wait.UntilAsync(() => gone.AcceptedAt.ContainsKey((job.Metadata.Name, 1)), "attempt 1 accepted");
        await c.Api.MergePatchAsync<WorkerPool>(ResourceKind.WorkerPool.Item(OperatorCluster.Ns, "pool"),
            new { spec = new { staticEndpoints = new[] { stays.Url } } }, default);

        var done = await c.WaitForPhaseAsync(job.Metadata.Name, JobPhases.Completed);
        Assert.Equal(2, done.Status!.Attempts);
        Assert.Equal(stays.Url, done.Status.Worker!.Instance);
        var planned = RetryPlanned(history, job.Metadata.Name, failed: 1);
        Assert.Equal("WORKER_LOST", planned.Status!.Error!.Code);
        Assert.Contains("is gone", planned.Status.Error.Message);
        Assert.Equal(1, planned.Status.Error.RetryCount);
        AssertWaitedForNextAttempt(planned, c.Workers, attempt: 2);
        await SlotsReleasedAsync(op);
    }
}
