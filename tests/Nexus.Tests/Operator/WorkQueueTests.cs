using Microsoft.Extensions.Logging.Abstractions;
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
    public async Task Concurrency_is_bounded()
    {
        var running = 0;
        var peak = 0;
        var finished = 0;
        var all = new TaskCompletionSource();
        var queue = new WorkQueue("t", 3, async (key, ct) =>
        {
            var now = Interlocked.Increment(ref running);
            lock (this) peak = Math.Max(peak, now);
            await Task.Yield();
            await Task.Delay(5, ct);
            Interlocked.Decrement(ref running);
            if (Interlocked.Increment(ref finished) == 30) all.TrySetResult();
            return null;
        }, NullLogger.Instance);
        using var cts = new CancellationTokenSource();
        var run = queue.RunAsync(cts.Token);
        for (var i = 0; i < 30; i++) queue.Add($"k{i}");
        await all.Task.WaitAsync(TimeSpan.FromSeconds(20));
        cts.Cancel();
        await run;
        Assert.InRange(peak, 1, 3);
    }
}
