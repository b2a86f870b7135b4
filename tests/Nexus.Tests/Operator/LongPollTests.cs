using System.Text.Json.Nodes;
using Nexus.Crds.Entities;
using Nexus.Tests.Operator.Support;
using Nexus.Tests.Support;

namespace Nexus.Tests.Operator;

/// <summary>How the operator learns that an attempt ended: a long-poll the worker answers when the job ends, and plain polling with a doubling delay for a worker without long-polls.</summary>
public sealed class LongPollTests
{
    [Fact]
    public async Task A_long_polling_worker_tells_the_operator_the_moment_its_job_ends()
    {
        await using var c = await OperatorCluster.StartAsync();
        var worker = c.Workers[0];
        worker.LongPolls = true;
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        worker.Behave = (_, _, _) => new FakeBehaviour { Until = release.Task, Result = new JsonObject { ["ok"] = true } };
        await c.CreatePoolAsync("pool");
        await c.StartLeaderAsync();
        var job = await c.CreateJobAsync();

        await Wait.UntilAsync(() => Task.FromResult(Volatile.Read(ref worker.HeldPolls) > 0), "a poll held by the worker");
        release.SetResult();
        await c.WaitForPhaseAsync(job.Metadata.Name, JobPhases.Completed);

        var polls = worker.Polls.Where(p => p.Id == job.Metadata.Name).ToList();
        // Every poll asked to be held, for at most the poll interval (so progress still arrives that often)...
        Assert.All(polls, p => Assert.InRange(p.Wait ?? 0, 0.01, c.Options().PollInterval.TotalSeconds));
        // ...and the one that brought the completion was answered because the job ended while it was held.
        Assert.True(polls[^1].WokenByEnd, $"the last of {polls.Count} polls was not woken by the job's end");
    }

    [Fact]
    public async Task A_worker_without_long_polls_is_polled_with_a_growing_delay_not_spun_on()
    {
        await using var c = await OperatorCluster.StartAsync();
        var worker = c.Workers[0];
        worker.LongPolls = false;
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        worker.Behave = (_, _, _) => new FakeBehaviour { Until = release.Task, Result = new JsonObject { ["ok"] = true } };
        await c.CreatePoolAsync("pool");
        await c.StartLeaderAsync();
        var job = await c.CreateJobAsync();

        // Six polls answered at once take at least 20+40+80+160+320 ms of delay between them; spun on, they would be hundreds.
        await Wait.UntilAsync(() => Task.FromResult(worker.Polls.Count(p => p.Id == job.Metadata.Name) >= 6), "six polls");
        release.SetResult();
        await c.WaitForPhaseAsync(job.Metadata.Name, JobPhases.Completed);
        var polls = worker.Polls.Where(p => p.Id == job.Metadata.Name).ToList();
        Assert.All(polls, p => Assert.False(p.WokenByEnd));
        Assert.InRange(polls.Count, 6, 40);
    }
}
