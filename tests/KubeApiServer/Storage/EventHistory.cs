namespace Nexus.KubeApiServer.Storage;

/// <summary>
/// The retained window of changes (like the watch cache / etcd compaction): watches may start from any
/// resourceVersion inside it; older ones get 410 Expired.
/// </summary>
sealed class EventHistory(int limit)
{
    readonly List<StoredEvent> _events = new();
    int _start;

    public int Limit { get; set; } = Math.Max(1, limit);
    public long CompactedRv { get; private set; }

    public void Add(StoredEvent e)
    {
        _events.Add(e);
        var retained = _events.Count - _start;
        if (retained > Limit)
        {
            var drop = retained - Limit;
            CompactedRv = _events[_start + drop - 1].ResourceVersion;
            _start += drop;
            // Shift rarely: only when the dropped prefix dominates the list.
            if (_start > 4096 && _start > _events.Count / 2)
            {
                _events.RemoveRange(0, _start);
                _start = 0;
            }
        }
    }

    public void CompactAll(long currentRv)
    {
        _events.Clear();
        _start = 0;
        CompactedRv = currentRv;
    }

    public List<StoredEvent> After(long rv, string storageKey)
    {
        var result = new List<StoredEvent>();
        // Binary search for the first event newer than rv.
        int lo = _start, hi = _events.Count;
        while (lo < hi)
        {
            var mid = (lo + hi) / 2;
            if (_events[mid].ResourceVersion <= rv) lo = mid + 1; else hi = mid;
        }
        for (var i = lo; i < _events.Count; i++)
            if (_events[i].Object.Type.StorageKey == storageKey) result.Add(_events[i]);
        return result;
    }
}
