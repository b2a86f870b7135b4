using Nexus.Crds.Entities;
using Nexus.Gateway.Cache;

namespace Nexus.Gateway.Jobs;

/// <summary>
/// estimated_completion_at = created_at + expected queue wait + expected run time. Both expectations are medians
/// over the most recent completed jobs of the type; with no history the wait is 0 and the run time is the middle
/// of the type's documented typical range. Once the operator relays a queued job's place in its pool's claim order,
/// <see cref="EstimateQueued"/> replaces the wait with one from that place and the pool's capacity.
/// </summary>
public sealed class CompletionEstimator(int samples)
{
    private readonly Dictionary<string, RingBuffer> _runSeconds = new(StringComparer.Ordinal);
    private readonly Dictionary<string, RingBuffer> _waitSeconds = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    /// <summary>Feeds on cache changes: learns from each job the first time it is seen completed.</summary>
    public void Observe(CachedJob? previous, CachedJob? next)
    {
        if (next is null || next.Phase != JobPhases.Completed || previous?.Phase == JobPhases.Completed) return;
        var status = next.Job.Status;
        if (status?.StartedAt is not { } started || status.CompletedAt is not { } completed) return;
        var run = (JobTimes.AsUtc(completed) - JobTimes.AsUtc(started)).TotalSeconds;
        var wait = (JobTimes.AsUtc(started) - next.CreatedAt).TotalSeconds;
        if (run < 0) return;
        Record(next.Type, run, Math.Max(0, wait));
    }

    public void Record(string type, double runSeconds, double waitSeconds)
    {
        lock (_lock)
        {
            Buffer(_runSeconds, type).Add(runSeconds);
            Buffer(_waitSeconds, type).Add(waitSeconds);
        }
    }

    public TimeSpan ExpectedRun(string type)
    {
        lock (_lock)
        {
            if (_runSeconds.TryGetValue(type, out var runs) && runs.Count > 0) return TimeSpan.FromSeconds(runs.Median());
        }
        var (min, max) = JobTypes.TypicalSeconds.TryGetValue(type, out var range) ? range : (30, 120);
        return TimeSpan.FromSeconds((min + max) / 2.0);
    }

    public TimeSpan ExpectedWait(string type)
    {
        lock (_lock)
        {
            return _waitSeconds.TryGetValue(type, out var waits) && waits.Count > 0 ? TimeSpan.FromSeconds(waits.Median()) : TimeSpan.Zero;
        }
    }

    public DateTimeOffset Estimate(string type, DateTimeOffset createdAt) => createdAt + ExpectedWait(type) + ExpectedRun(type);

    /// <summary>
    /// The estimate of a queued job from its place in its pool's claim order: the <paramref name="position"/> − 1 jobs
    /// ahead leave in waves of <paramref name="capacity"/>; the slots are busy with jobs half done on average, so the
    /// wait is (⌊(position − 1) / capacity⌋ + ½) run times, then its own run; run times are the type's median as
    /// above. Measured from <paramref name="asOf"/>, when the operator saw that place. A pool scaled to zero counts
    /// as capacity 1.
    /// </summary>
    public DateTimeOffset EstimateQueued(string type, int position, int capacity, DateTimeOffset asOf)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(position, 1);
        var run = ExpectedRun(type);
        var waves = (position - 1) / Math.Max(1, capacity);
        return asOf + run * (waves + 0.5) + run;
    }

    private RingBuffer Buffer(Dictionary<string, RingBuffer> buffers, string type)
    {
        if (!buffers.TryGetValue(type, out var buffer)) buffers[type] = buffer = new RingBuffer(samples);
        return buffer;
    }

    private sealed class RingBuffer(int capacity)
    {
        private readonly double[] _values = new double[capacity];
        private int _next;

        public int Count { get; private set; }

        public void Add(double value)
        {
            _values[_next] = value;
            _next = (_next + 1) % _values.Length;
            Count = Math.Min(Count + 1, _values.Length);
        }

        public double Median()
        {
            var sorted = _values.AsSpan(0, Count).ToArray();
            Array.Sort(sorted);
            var mid = sorted.Length / 2;
            return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
        }
    }
}
