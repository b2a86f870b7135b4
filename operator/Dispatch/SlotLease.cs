using Nexus.Operator.Pools;

namespace Nexus.Operator.Dispatch;

/// <summary>
/// One job's hold on one slot of a worker instance. Released exactly once, whichever path ends the attempt (claim
/// lost, worker busy, outcome written, leadership lost, a crash of the run): later releases do nothing, so a
/// slot is never freed twice nor kept.
/// </summary>
public sealed class SlotLease
{
    private readonly PoolRegistry _registry;
    private int _released;

    private SlotLease(PoolRegistry registry, string pool, string url)
    {
        _registry = registry;
        Pool = pool;
        Url = url;
    }

    public string Pool { get; }
    public string Url { get; }
    public bool IsReleased => Volatile.Read(ref _released) != 0;

    /// <summary>Raised once, after the slot went back to the registry.</summary>
    public event Action? Released;

    /// <summary>A free slot of the pool on its least-loaded ready instance; null when the pool is full.</summary>
    public static SlotLease? TryReserve(PoolRegistry registry, string pool, DateTime now) =>
        registry.TryReserve(pool, now) is { } url ? new SlotLease(registry, pool, url) : null;

    /// <summary>The slot a job found running on <paramref name="url"/> already occupies (re-attached after a restart).</summary>
    public static SlotLease Hold(PoolRegistry registry, string pool, string url)
    {
        registry.Hold(url);
        return new SlotLease(registry, pool, url);
    }

    /// <returns>true for the call that released the slot, false for every later one.</returns>
    public bool Release()
    {
        if (Interlocked.Exchange(ref _released, 1) != 0) return false;
        _registry.Release(Url, notify: false);
        Released?.Invoke();
        return true;
    }
}
