using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Nexus.Shared;

namespace Nexus.Tests.Operator;

public sealed class WorkQueueTests
{
    [Fact]
    public async Task A_key_never_runs_twice_at_once_and_adds_while_running_rerun_it_once()
    {
        var running = 0;
        var maxParallelSameKey = 0;
        var runs = 0;
        var firstStarted = new TaskCompletionSource();
        var release = new TaskCompletionSource();
        var secondDone = new TaskCompletionSource();
        var queue = new WorkQueue("t", 4, async (key, ct) =>
        {
            var now = Interlocked.Increment(ref running);
            maxParallelSameKey = Math.Max(maxParallelSameKey, now);
            var n = Interlocked.Increment(ref runs);
            if (n == 1)
            {
                firstStarted.TrySetResult();
                await release.Task;
            }
            else
            {
                secondDone.TrySetResult();
            }
            Interlocked.Decrement(ref running);
            return null;
        }, NullLogger.Instance);
        using var cts = new CancellationTokenSource();
        var run = queue.RunAsync(cts.Token);
        queue.Add("k");
        await firstStarted.Task.WaitAsync(TimeSpan.FromSeconds(10));
        queue.Add("k");
        queue.Add("k");
        queue.Add("k");
        release.SetResult();
        await secondDone.Task.WaitAsync(TimeSpan.FromSeconds(10));
        cts.Cancel();
        await run;
        Assert.Equal(1, maxParallelSameKey);
        Assert.Equal(2, runs);
    }

    [Fact]
    public async Task Failures_are_retried_and_requeue_after_is_honoured()
    {
        var attempts = 0;
        var done = new TaskCompletionSource();
        var results = new List<bool>();
        var queue = new WorkQueue("t", 2, (key, ct) =>
        {
            var n = Interlocked.Increment(ref attempts);
            if (n < 3) throw new InvalidOperationException("boom");
            if (n == 3) return Task.FromResult<TimeSpan?>(TimeSpan.FromMilliseconds(10));
            done.TrySetResult();
            return Task.FromResult<TimeSpan?>(null);
        }, NullLogger.Instance, ok => { lock (results) results.Add(ok); }, failureBase: TimeSpan.FromMilliseconds(5));
        using var cts = new CancellationTokenSource();
        var run = queue.RunAsync(cts.Token);
        queue.Add("k");
        await done.Task.WaitAsync(TimeSpan.FromSeconds(10));
        cts.Cancel();
        await run;
        Assert.Equal(4, attempts);
        lock (results) Assert.Equal([false, false, true, true], results);
    }

    [Fact]
    public async Task Work_runs_in_parallel_up_to_the_bound_and_never_beyond()
    {
        var running = 0;
        var peak = 0;
        var finished = 0;
        var all = new TaskCompletionSource();
        var bothReached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var queue = new WorkQueue("t", 3, async (key, ct) =>
        {
            var now = Interlocked.Increment(ref running);
            lock (this) peak = Math.Max(peak, now);
            if (now == 3) bothReached.TrySetResult();
            // The first keys hold their slot until three run at once: with less parallelism this never happens.
            await bothReached.Task.WaitAsync(TimeSpan.FromSeconds(20), ct);
            Interlocked.Decrement(ref running);
            if (Interlocked.Increment(ref finished) == 30) all.TrySetResult();
            return null;
        }, NullLogger.Instance);
        using var cts = new CancellationTokenSource();
        var run = queue.RunAsync(cts.Token);
        for (var i = 0; i < 30; i++) queue.Add($"k{i}");
        await all.Task.WaitAsync(TimeSpan.FromSeconds(30));
        cts.Cancel();
        await run;
        Assert.Equal(3, peak);
    }

    [Fact]
    public async Task A_delayed_key_runs_when_the_queue_clock_reaches_its_time_not_before()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var ran = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var nudged = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var later = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var queue = new WorkQueue("t", 1, (key, ct) =>
        {
            ran.Enqueue(key);
            (key == "later" ? later : nudged).TrySetResult();
            return Task.FromResult<TimeSpan?>(null);
        }, NullLogger.Instance, time: time);
        using var cts = new CancellationTokenSource();
        var run = queue.RunAsync(cts.Token);

        queue.Add("later", TimeSpan.FromMinutes(10));
        time.Advance(TimeSpan.FromMinutes(9));
        queue.Add("now"); // due at once: once it has run, the scheduler has looked at "later" at minute 9
        await nudged.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(["now"], ran.ToArray());

        time.Advance(TimeSpan.FromMinutes(1));

        await later.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(["now", "later"], ran.ToArray());
        cts.Cancel();
        await run;
    }
}
