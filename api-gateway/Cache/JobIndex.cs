using System.Collections.Concurrent;
using Nexus.Crds.Entities;

namespace Nexus.Gateway.Cache;

/// <summary>
/// The index <see cref="JobCache"/> keeps over its informer, fed only by the informer's changes: lock-free reads,
/// serialized writes that keep per-tenant queue counts and wake long-polls waiting on a job.
/// </summary>
public sealed class JobIndex
{
    private readonly ConcurrentDictionary<string, CachedJob> _jobs = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _changeSignals = new(StringComparer.Ordinal);
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

    public void Upsert(AiJob item)
    {
        (CachedJob?, CachedJob?) change;
        lock (_lock) change = SetLocked(CachedJob.From(item));
        Publish([change]);
    }

    public void Delete(AiJob item)
    {
        var name = item.Metadata.Name ?? "";
        (CachedJob?, CachedJob?) change;
        lock (_lock) change = RemoveLocked(name);
        Publish([change]);
    }

    /// <summary>
    /// Sets a cached job's live signals (progress, queue place) and publishes the change like any other, so long-polls
    /// wake and <see cref="Changed"/> subscribers see it. False when the job is not cached or the signals are the same.
    /// </summary>
    public bool SetLive(string name, LiveSignal live)
    {
        (CachedJob?, CachedJob?) change;
        lock (_lock)
        {
            if (!_jobs.TryGetValue(name, out var previous) || Equals(previous.Live, live)) return false;
            var next = previous with { Live = live };
            // Unchanged as far as a client sees it (e.g. only the write time moved): keep it, publish nothing.
            var visible = next.Progress != previous.Progress || next.QueuePosition != previous.QueuePosition
                || next.QueuedEstimate != previous.QueuedEstimate;
            change = SetLocked(next);
            if (!visible) return false;
        }
        Publish([change]);
        return true;
    }

    /// <summary>Completes at the next change of the named job (or its deletion).</summary>
    public Task NextChange(string name) =>
        _changeSignals.GetOrAdd(name, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    private (CachedJob?, CachedJob?) SetLocked(CachedJob next)
    {
        _jobs.TryGetValue(next.Name, out var previous);
        // The informer's object knows nothing of the live signals: they stay until the live table says otherwise.
        if (next.Live is null && previous?.Live is { } live) next = next with { Live = live };
        _jobs[next.Name] = next;
        AdjustWaitingLocked(previous, -1);
        AdjustWaitingLocked(next, +1);
        return (previous, next);
    }

    private (CachedJob?, CachedJob?) RemoveLocked(string name)
    {
        _jobs.TryRemove(name, out var previous);
        AdjustWaitingLocked(previous, -1);
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
