namespace Nexus.Operator.Pools;

/// <summary>One worker instance (a base URL) and how many jobs this operator has on it.</summary>
public sealed class WorkerInstance(string url)
{
    public string Url { get; } = url;
    public bool Ready { get; set; }
    public int InFlight { get; set; }
    /// <summary>After a 429 the instance gets no new job until then.</summary>
    public DateTime BusyUntil { get; set; }
}

/// <summary>The live view of one pool: which instances exist and are ready, and its served types.</summary>
public sealed class PoolView(string name)
{
    public string Name { get; } = name;
    public HashSet<string> Types { get; set; } = new(StringComparer.Ordinal);
    public int Concurrency { get; set; } = 1;
    /// <summary>Instances discovered (endpoints or static list), by URL.</summary>
    public Dictionary<string, WorkerInstance> Instances { get; } = new(StringComparer.Ordinal);
    public int ReadyCount => Instances.Values.Count(i => i.Ready);
    public int Capacity => ReadyCount * Concurrency;
    public int InFlight => Instances.Values.Sum(i => i.InFlight);
}

/// <summary>
/// Pools and instance slots, shared by the dispatcher (reserve/release) and the pool controller
/// (discovery, readiness). In-flight counts are kept per URL even for instances not (yet) discovered, so
/// jobs re-attached after a restart hold their slots from the start.
/// </summary>
public sealed class PoolRegistry
{
    private readonly object _lock = new();
    private readonly Dictionary<string, PoolView> _pools = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _inFlightByUrl = new(StringComparer.Ordinal);

    public event Action? CapacityChanged;

    public IReadOnlyList<PoolView> Snapshot()
    {
        lock (_lock) return _pools.Values.ToList();
    }

    public void Update(string pool, IEnumerable<string> types, int concurrency, IReadOnlyDictionary<string, bool> instances)
    {
        lock (_lock)
        {
            if (!_pools.TryGetValue(pool, out var view)) _pools[pool] = view = new PoolView(pool);
            view.Types = new HashSet<string>(types, StringComparer.Ordinal);
            view.Concurrency = Math.Max(1, concurrency);
            foreach (var gone in view.Instances.Keys.Where(u => !instances.ContainsKey(u)).ToList()) view.Instances.Remove(gone);
            foreach (var (url, ready) in instances)
            {
                if (!view.Instances.TryGetValue(url, out var inst)) view.Instances[url] = inst = new WorkerInstance(url);
                inst.Ready = ready;
                inst.InFlight = _inFlightByUrl.GetValueOrDefault(url);
            }
        }
        CapacityChanged?.Invoke();
    }

    public void RemovePool(string pool)
    {
        lock (_lock) _pools.Remove(pool);
        CapacityChanged?.Invoke();
    }

    /// <summary>Types some pool serves with free capacity right now.</summary>
    public IReadOnlyList<(string Pool, IReadOnlyCollection<string> Types)> PoolsWithFreeSlots(DateTime now)
    {
        lock (_lock)
        {
            return _pools.Values
                .Where(p => p.Instances.Values.Any(i => Free(p, i, now)))
                .Select(p => (p.Name, (IReadOnlyCollection<string>)p.Types.ToList()))
                .ToList();
        }
    }

    /// <summary>Every pool's served types and capacity (ready instances × concurrency) now.</summary>
    public IReadOnlyList<(string Pool, IReadOnlyCollection<string> Types, int Capacity)> Capacities()
    {
        lock (_lock)
        {
            return _pools.Values.Select(p => (p.Name, (IReadOnlyCollection<string>)p.Types.ToList(), p.Capacity)).ToList();
        }
    }

    /// <summary>Takes a slot on the least-loaded ready instance of the pool; null when it is full.</summary>
    public string? TryReserve(string pool, DateTime now)
    {
        lock (_lock)
        {
            if (!_pools.TryGetValue(pool, out var view)) return null;
            WorkerInstance? best = null;
            foreach (var i in view.Instances.Values)
            {
                if (Free(view, i, now) && (best is null || i.InFlight < best.InFlight)) best = i;
            }
            if (best is null) return null;
            Hold(best.Url);
            return best.Url;
        }
    }

    /// <summary>Counts a job on an instance (a re-attached job, or one just reserved).</summary>
    public void Hold(string url)
    {
        lock (_lock)
        {
            _inFlightByUrl[url] = _inFlightByUrl.GetValueOrDefault(url) + 1;
            SyncInstance(url);
        }
    }

    public void Release(string url, bool notify = true)
    {
        lock (_lock)
        {
            var n = _inFlightByUrl.GetValueOrDefault(url) - 1;
            if (n <= 0) _inFlightByUrl.Remove(url);
            else _inFlightByUrl[url] = n;
            SyncInstance(url);
        }
        if (notify) CapacityChanged?.Invoke();
    }

    public void MarkBusy(string url, DateTime until)
    {
        lock (_lock)
        {
            foreach (var p in _pools.Values)
            {
                if (p.Instances.TryGetValue(url, out var i)) i.BusyUntil = until;
            }
        }
    }

    /// <summary>True while some pool lists the instance (ready or not); false once it has gone from discovery.</summary>
    public bool IsKnown(string url)
    {
        lock (_lock) return _pools.Values.Any(p => p.Instances.ContainsKey(url));
    }

    public bool HasPools
    {
        get { lock (_lock) return _pools.Count > 0; }
    }

    public int InFlightOf(string pool)
    {
        lock (_lock) return _pools.TryGetValue(pool, out var p) ? p.InFlight : 0;
    }

    private static bool Free(PoolView pool, WorkerInstance i, DateTime now) =>
        i.Ready && i.InFlight < pool.Concurrency && i.BusyUntil <= now;

    private void SyncInstance(string url)
    {
        var n = _inFlightByUrl.GetValueOrDefault(url);
        foreach (var p in _pools.Values)
        {
            if (p.Instances.TryGetValue(url, out var i)) i.InFlight = n;
        }
    }
}
