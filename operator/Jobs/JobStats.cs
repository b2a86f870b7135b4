using Nexus.Crds.Entities;

namespace Nexus.Operator.Jobs;

/// <summary>
/// Running counts of jobs by (phase, type, priority) and the oldest queued job per type, kept up to date from
/// cache changes (old, new) so metrics and scaling never scan the cache.
/// </summary>
public sealed class JobStats
{
    private readonly object _lock = new();
    private readonly Dictionary<(string Phase, string Type, string Priority), int> _counts = new();
    private readonly Dictionary<string, SortedSet<(DateTime, string)>> _queued = new(StringComparer.Ordinal);

    public void Apply(AiJob? old, AiJob? @new)
    {
        lock (_lock)
        {
            if (old is not null) Change(old, -1);
            if (@new is not null) Change(@new, +1);
        }
    }

    public IReadOnlyDictionary<(string Phase, string Type, string Priority), int> Counts()
    {
        lock (_lock) return new Dictionary<(string, string, string), int>(_counts);
    }

    /// <summary>Queued plus running jobs of the given types: the demand a pool is scaled for.</summary>
    public int Demand(IEnumerable<string> types)
    {
        var set = types.ToHashSet(StringComparer.Ordinal);
        lock (_lock)
        {
            return _counts.Where(kv => set.Contains(kv.Key.Type) && kv.Key.Phase is JobPhases.Queued or JobPhases.Running).Sum(kv => kv.Value);
        }
    }

    public DateTime? OldestQueued(string type)
    {
        lock (_lock) return _queued.TryGetValue(type, out var s) && s.Count > 0 ? s.Min.Item1 : null;
    }

    public IReadOnlyCollection<string> QueuedTypes()
    {
        lock (_lock) return _queued.Keys.ToList();
    }

    private void Change(AiJob job, int delta)
    {
        var phase = JobPhases.OrQueued(job.Status?.Phase);
        var key = (phase, job.Spec.Type, job.Spec.Priority);
        var n = _counts.GetValueOrDefault(key) + delta;
        _counts[key] = Math.Max(0, n);
        if (phase != JobPhases.Queued) return;
        if (!_queued.TryGetValue(job.Spec.Type, out var set)) _queued[job.Spec.Type] = set = new SortedSet<(DateTime, string)>();
        var entry = (JobTimes.QueuedAt(job), job.Metadata.Name);
        if (delta > 0) set.Add(entry);
        else set.Remove(entry);
    }
}
