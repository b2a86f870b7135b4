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

    /// <summary>
    /// Every handler holds its slot until the test releases it, one at a time. The first <c>bound</c> keys reach the
    /// hold together (parallelism up to the bound); after that exactly one more key starts per release, so the
    /// number running never passes the bound although 30 keys are waiting the whole time.
    /// </summary>
    [Fact]
    public async Task Work_runs_in_parallel_up_to_the_bound_and_never_beyond()
    {
        const int bound = 3;
        const int keys = 30;
        var gate = new object();
        var running = 0;
        var peak = 0;
        var started = new List<string>();
        var holds = new System.Collections.Concurrent.ConcurrentDictionary<string, TaskCompletionSource>();
        var startedSignal = new SemaphoreSlim(0);
        var finishedSignal = new SemaphoreSlim(0);
        var queue = new WorkQueue("t", bound, async (key, ct) =>
        {
            var hold = holds.GetOrAdd(key, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
            lock (gate)
            {
                running++;
                peak = Math.Max(peak, running);
                started.Add(key);
            }
            startedSignal.Release();
            await hold.Task.WaitAsync(ct);
            lock (gate) running--;
            finishedSignal.Release();
            return null;
        }, NullLogger.Instance);
        using var cts = new CancellationTokenSource();
        var run = queue.RunAsync(cts.Token);
        for (var i = 0; i < keys; i++) queue.Add($"k{i}");

        for (var i = 0; i < bound; i++) Assert.True(await startedSignal.WaitAsync(TimeSpan.FromSeconds(10)), $"only {i} of {bound} ran together");
        lock (gate) Assert.Equal(bound, running);

        for (var released = 0; released < keys; released++)
        {
            string oldest;
            lock (gate)
            {
                Assert.Equal(Math.Min(keys, bound + released), started.Count); // one start per release, never more
                Assert.Equal(Math.Min(bound, keys - released), running);
                oldest = started[released];
            }
            holds[oldest].SetResult();
            Assert.True(await finishedSignal.WaitAsync(TimeSpan.FromSeconds(10)), $"{oldest} did not return once released");
            if (bound + released < keys)
                Assert.True(await startedSignal.WaitAsync(TimeSpan.FromSeconds(10)), $"no key started after release {released + 1}");
        }
        lock (gate) Assert.Equal(0, running);
        cts.Cancel();
        await run;
        Assert.Equal(bound, peak);
        Assert.Equal(keys, started.Distinct().Count());
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
