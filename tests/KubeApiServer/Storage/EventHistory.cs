namespace Nexus.KubeApiServer.Storage;

/// <summary>
/// The retained window of changes, compacted as etcd is under kube-apiserver: by age (the API server compacts
/// every --etcd-compaction-interval, 5 minutes by default) and by count (the watch cache holds at most ~100k
/// events). Watches may start from any resourceVersion inside the window; older ones get 410 Expired. Once
/// changes are compacted nothing references their old object versions, so memory follows the live objects.
/// </summary>
sealed class EventHistory(int limit, TimeSpan maxAge, TimeProvider clock)
{
    readonly record struct Entry(StoredEvent Event, long At);

    readonly List<Entry> _entries = new();
    int _start;

    public int Limit { get; set; } = Math.Max(1, limit);
    public TimeSpan MaxAge { get; set; } = maxAge;
    /// <summary>The newest resourceVersion no longer retained.</summary>
    public long CompactedRv { get; private set; }
    public int Count => _entries.Count - _start;

    public void Add(StoredEvent e)
    {
        var now = clock.GetTimestamp();
        _entries.Add(new Entry(e, now));
        var excess = Count - Limit;
        if (excess > 0) Drop(excess);
        CompactOlderThan(now);
    }

    /// <summary>Drops the changes older than <see cref="MaxAge"/>; called on every write and by the server's timer.</summary>
    public void CompactOlderThan(long now)
    {
        var n = 0;
        while (_start + n < _entries.Count && clock.GetElapsedTime(_entries[_start + n].At, now) > MaxAge) n++;
        if (n > 0) Drop(n);
    }

    public void CompactAll(long currentRv)
    {
        _entries.Clear();
        _start = 0;
        CompactedRv = currentRv;
    }

    void Drop(int n)
    {
        CompactedRv = _entries[_start + n - 1].Event.ResourceVersion;
        // Release the dropped events now (they hold old object versions); shift the list only now and then.
        for (var i = _start; i < _start + n; i++) _entries[i] = default;
        _start += n;
        if (_start == _entries.Count || (_start > 4096 && _start > _entries.Count / 2))
        {
            _entries.RemoveRange(0, _start);
            _start = 0;
        }
    }

    public List<StoredEvent> After(long rv, string storageKey)
    {
        var result = new List<StoredEvent>();
        // Binary search for the first event newer than rv.
        int lo = _start, hi = _entries.Count;
        while (lo < hi)
        {
            var mid = (lo + hi) / 2;
            if (_entries[mid].Event.ResourceVersion <= rv) lo = mid + 1; else hi = mid;
        }
        for (var i = lo; i < _entries.Count; i++)
            if (_entries[i].Event.Object.Type.StorageKey == storageKey) result.Add(_entries[i].Event);
        return result;
    }
}
