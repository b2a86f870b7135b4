using System.Collections.Concurrent;
using Nexus.Crds.Entities;

namespace Nexus.Gateway.Cache;

/// <summary>
/// The watch-backed cache of AiJobs: lock-free reads, serialized writes that keep per-tenant queue counts and wake
/// long-polls waiting on a job. The gateway also writes its own creates through, so counts and reads see a new job
/// before its watch event arrives.
/// </summary>
public sealed class JobStore : IStoreSink<AiJob>
{
    private static readonly TimeSpan TombstoneTtl = TimeSpan.FromMinutes(5);

    private readonly ConcurrentDictionary<string, CachedJob> _jobs = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _changeSignals = new(StringComparer.Ordinal);
    // Names deleted recently: a late write-through of the same job must not resurrect it.
    private readonly Dictionary<string, DateTime> _tombstones = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _waitingByTenant = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private int _waitingTotal;

    /// <summary>Raised after each change with the previous and the new state (null when deleted).</summary>
    public event Action<CachedJob?, CachedJob?>? Changed;

    public int Count => _jobs.Count;

    public int WaitingTotal => Volatile.Read(ref _waitingTotal);

    public int WaitingFor(string tenant)
    {
        lock (_lock) return _waitingByTenant.GetValueOrDefault(tenant);
    }

    public bool TryGet(string name, out CachedJob job) => _jobs.TryGetValue(name, out job!);

    public IEnumerable<CachedJob> All => _jobs.Values;

    public void Replace(IReadOnlyCollection<AiJob> items)
    {
        var changes = new List<(CachedJob?, CachedJob?)>();
        lock (_lock)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var job in items.OrderBy(j => j.Metadata.Name, StringComparer.Ordinal))
            {
                var next = CachedJob.From(job);
                seen.Add(next.Name);
                changes.Add(SetLocked(next));
            }
            foreach (var name in _jobs.Keys.Where(n => !seen.Contains(n)).ToList())
                changes.Add(RemoveLocked(name));
        }
        Publish(changes);
    }

    public void Upsert(AiJob item)
    {
        (CachedJob?, CachedJob?) change;
        lock (_lock) change = SetLocked(CachedJob.From(item));
        Publish([change]);
    }

    /// <summary>Adds a job the gateway just created unless the watch already delivered it (or its deletion).</summary>
    public bool AddIfAbsent(AiJob item)
    {
        var next = CachedJob.From(item);
        (CachedJob?, CachedJob?) change;
        lock (_lock)
        {
            if (_jobs.ContainsKey(next.Name) || _tombstones.ContainsKey(next.Name)) return false;
            change = SetLocked(next);
        }
        Publish([change]);
        return true;
    }

    public void Delete(AiJob item)
    {
        var name = item.Metadata.Name ?? "";
        (CachedJob?, CachedJob?) change;
        lock (_lock)
        {
            change = RemoveLocked(name);
            PruneTombstonesLocked();
        }
        Publish([change]);
    }

    /// <summary>Completes at the next change of the named job (or its deletion).</summary>
    public Task NextChange(string name) =>
        _changeSignals.GetOrAdd(name, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    private (CachedJob?, CachedJob?) SetLocked(CachedJob next)
    {
        _jobs.TryGetValue(next.Name, out var previous);
        _jobs[next.Name] = next;
        _tombstones.Remove(next.Name);
        AdjustWaitingLocked(previous, -1);
        AdjustWaitingLocked(next, +1);
        return (previous, next);
    }

    private (CachedJob?, CachedJob?) RemoveLocked(string name)
    {
        _jobs.TryRemove(name, out var previous);
        AdjustWaitingLocked(previous, -1);
        _tombstones[name] = DateTime.UtcNow;
        return (previous, null);
    }

    private void AdjustWaitingLocked(CachedJob? job, int delta)
    {
        if (job is null || !job.IsWaiting) return;
        _waitingTotal += delta;
        var count = _waitingByTenant.GetValueOrDefault(job.Tenant) + delta;
        if (count == 0) _waitingByTenant.Remove(job.Tenant);
        else _waitingByTenant[job.Tenant] = count;
    }

    private void PruneTombstonesLocked()
    {
        if (_tombstones.Count < 1024) return;
        var cutoff = DateTime.UtcNow - TombstoneTtl;
        foreach (var (name, at) in _tombstones.ToList())
            if (at < cutoff) _tombstones.Remove(name);
    }

    private void Publish(List<(CachedJob? Previous, CachedJob? Next)> changes)
    {
        foreach (var (previous, next) in changes)
        {
            if (previous is null && next is null) continue;
            var name = next?.Name ?? previous!.Name;
            if (_changeSignals.TryRemove(name, out var signal)) signal.TrySetResult();
            Changed?.Invoke(previous, next);
        }
    }
}
