using Nexus.KubeApiServer.Watch;

namespace Nexus.KubeApiServer.Storage;

/// <summary>
/// In-memory objects keyed by resource, namespace and name, with one global resourceVersion counter and a
/// bounded history of changes for watches. Every mutation happens under <see cref="Gate"/>, which also orders
/// the fan-out to watchers, so each watcher sees events in resourceVersion order.
/// </summary>
public sealed class ObjectStore : IDisposable
{
    public ObjectStore(int historyLimit) : this(historyLimit, DefaultHistoryMaxAge, TimeProvider.System) { }

    public ObjectStore(int historyLimit, TimeSpan historyMaxAge, TimeProvider clock)
    {
        _clock = clock;
        _history = new EventHistory(historyLimit, historyMaxAge, clock);
        // Idle servers compact too: a timer drops what has aged out even when nothing is written.
        _compactor = clock.CreateTimer(_ => CompactAged(), null, CompactionPeriod(historyMaxAge), CompactionPeriod(historyMaxAge));
    }

    /// <summary>kube-apiserver's default --etcd-compaction-interval.</summary>
    public static readonly TimeSpan DefaultHistoryMaxAge = TimeSpan.FromMinutes(5);

    static TimeSpan CompactionPeriod(TimeSpan maxAge) =>
        TimeSpan.FromTicks(Math.Clamp(maxAge.Ticks / 10, TimeSpan.FromMilliseconds(20).Ticks, TimeSpan.FromSeconds(10).Ticks));

    readonly TimeProvider _clock;
    readonly ITimer _compactor;
    public readonly object Gate = new();
    long _rv;
    readonly Dictionary<string, SortedDictionary<string, SortedDictionary<string, StoredObject>>> _collections = new();
    readonly Dictionary<string, StoredObject> _byUid = new();
    readonly Dictionary<string, HashSet<string>> _dependents = new();
    readonly EventHistory _history;

    public WatchHub Hub { get; } = new();

    /// <summary>Called under the gate after every change; subscribers must only enqueue work.</summary>
    public event Action<StoredEvent>? Changed;

    public long CurrentResourceVersion => Interlocked.Read(ref _rv);
    /// <summary>The newest resourceVersion no longer in history: watching from anything older is 410 Expired.</summary>
    public long CompactedResourceVersion => _history.CompactedRv;

    public int HistoryLimit { get => _history.Limit; set { lock (Gate) _history.Limit = value; } }

    /// <summary>How long a change stays in history (etcd compaction by age); older resourceVersions are 410 Expired.</summary>
    public TimeSpan HistoryMaxAge
    {
        get => _history.MaxAge;
        set
        {
            lock (Gate) _history.MaxAge = value;
            _compactor.Change(CompactionPeriod(value), CompactionPeriod(value));
        }
    }

    /// <summary>How many changes history holds now.</summary>
    public int HistoryCount { get { lock (Gate) return _history.Count; } }

    void CompactAged()
    {
        lock (Gate) _history.CompactOlderThan(_clock.GetTimestamp());
    }

    public void Dispose()
    {
        _compactor.Dispose();
        lock (Gate) Journal?.Dispose();
    }

    /// <summary>Where every change is logged before it is acknowledged, when the server persists its objects.</summary>
    public DataFile? Journal { get; set; }

    /// <summary>Puts back an object read from the data file: no event, no history, the counter moved past it.</summary>
    public void Restore(ResourceType type, JsonObject node, long rv, long counter)
    {
        var stored = new StoredObject(type, node, rv);
        var collection = Collection(type.StorageKey);
        if (!collection.TryGetValue(stored.Namespace, out var byName))
            collection[stored.Namespace] = byName = new SortedDictionary<string, StoredObject>(StringComparer.Ordinal);
        byName[stored.Name] = stored;
        Index(stored);
        RestoreCounter(counter);
    }

    /// <summary>Moves the resourceVersion counter to where the data file left it (never backwards).</summary>
    public void RestoreCounter(long rv)
    {
        _rv = Math.Max(_rv, rv);
        _history.CompactAll(_rv);
    }

    /// <summary>etcd's default --max-request-bytes (1.5 MiB): a write whose key and value exceed it is refused.</summary>
    public const int DefaultMaxObjectBytes = 1536 * 1024;

    /// <summary>The largest key plus stored JSON one write may have (etcd's --max-request-bytes).</summary>
    public int MaxObjectBytes { get; set; } = DefaultMaxObjectBytes;

    SortedDictionary<string, SortedDictionary<string, StoredObject>> Collection(string key)
    {
        if (!_collections.TryGetValue(key, out var c))
            _collections[key] = c = new SortedDictionary<string, SortedDictionary<string, StoredObject>>(StringComparer.Ordinal);
        return c;
    }

    public StoredObject? Get(ResourceType type, string ns, string name) =>
        _collections.TryGetValue(type.StorageKey, out var c) && c.TryGetValue(ns, out var byName) &&
        byName.TryGetValue(name, out var o) ? o : null;

    public StoredObject? ByUid(string uid) => _byUid.GetValueOrDefault(uid);

    public IReadOnlyCollection<string> DependentsOf(string ownerUid) =>
        _dependents.TryGetValue(ownerUid, out var set) ? set.ToList() : [];

    /// <summary>Objects in key order (namespace, name), optionally starting after a continue position.</summary>
    public IEnumerable<StoredObject> List(ResourceType type, string? ns, (string Ns, string Name)? after = null)
    {
        if (!_collections.TryGetValue(type.StorageKey, out var c)) yield break;
        if (ns is not null)
        {
            if (!c.TryGetValue(ns, out var only)) yield break;
            foreach (var o in only.Values)
                if (after is null || string.CompareOrdinal(o.Name, after.Value.Name) > 0) yield return o;
            yield break;
        }
        foreach (var (space, byName) in c)
        {
            if (after is not null && string.CompareOrdinal(space, after.Value.Ns) < 0) continue;
            foreach (var o in byName.Values)
                if (after is null || string.CompareOrdinal(space, after.Value.Ns) > 0 || string.CompareOrdinal(o.Name, after.Value.Name) > 0)
                    yield return o;
        }
    }

    public IEnumerable<StoredObject> AllObjects() =>
        _collections.Values.SelectMany(c => c.Values).SelectMany(n => n.Values);

    public IEnumerable<StoredObject> InNamespace(string ns) =>
        _collections.Values.SelectMany(c => c.TryGetValue(ns, out var byName) ? byName.Values : Enumerable.Empty<StoredObject>());

    /// <summary>Stores a new version (ADDED or MODIFIED), assigning the next resourceVersion.</summary>
    public StoredObject Put(ResourceType type, JsonObject node, StoredObject? previous)
    {
        var rv = _rv + 1;
        Json.Metadata(node)["resourceVersion"] = rv.ToString();
        var stored = new StoredObject(type, node, rv);
        // The key etcd would hold: /registry/<group>/<resource>/<namespace>/<name>.
        if (stored.Bytes.Length + type.StorageKey.Length + stored.Namespace.Length + stored.Name.Length + 12 > MaxObjectBytes)
        {
            throw ApiException.EtcdRequestTooLarge();
        }
        Journal?.AppendPut(stored);
        _rv = rv;
        var collection = Collection(type.StorageKey);
        if (!collection.TryGetValue(stored.Namespace, out var byName))
            collection[stored.Namespace] = byName = new SortedDictionary<string, StoredObject>(StringComparer.Ordinal);
        byName[stored.Name] = stored;
        if (previous is not null) Unindex(previous);
        Index(stored);
        Emit(new StoredEvent(previous is null ? "ADDED" : "MODIFIED", stored, previous));
        return stored;
    }

    /// <summary>Removes an object; the DELETED event carries its last state at a new resourceVersion.</summary>
    public StoredObject Remove(StoredObject current, JsonObject? lastState = null)
    {
        var rv = _rv + 1;
        var node = lastState ?? current.Clone();
        Json.Metadata(node)["resourceVersion"] = rv.ToString();
        var final = new StoredObject(current.Type, node, rv);
        Journal?.AppendDelete(final);
        _rv = rv;
        if (_collections.TryGetValue(current.Type.StorageKey, out var c) && c.TryGetValue(current.Namespace, out var byName))
        {
            byName.Remove(current.Name);
            if (byName.Count == 0) c.Remove(current.Namespace);
        }
        Unindex(current);
        Emit(new StoredEvent("DELETED", final, current));
        return final;
    }

    readonly List<(long Rv, TaskCompletionSource Done)> _rvWaiters = new();

    /// <summary>
    /// Waits until the store has reached <paramref name="rv"/> (as the watch cache waits to catch up with etcd);
    /// false when it has not within <paramref name="timeout"/>.
    /// </summary>
    public async Task<bool> WaitForResourceVersionAsync(long rv, TimeSpan timeout, CancellationToken cancellationToken)
    {
        TaskCompletionSource done;
        lock (Gate)
        {
            if (_rv >= rv) return true;
            done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _rvWaiters.Add((rv, done));
        }
        try
        {
            await done.Task.WaitAsync(timeout, _clock, cancellationToken);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
        finally
        {
            lock (Gate) _rvWaiters.RemoveAll(w => w.Done == done);
        }
    }

    void Emit(StoredEvent e)
    {
        if (_rvWaiters.Count > 0)
            foreach (var w in _rvWaiters)
                if (w.Rv <= e.ResourceVersion) w.Done.TrySetResult();
        _history.Add(e);
        Hub.Publish(e);
        Changed?.Invoke(e);
    }

    void Index(StoredObject o)
    {
        if (o.Uid.Length > 0) _byUid[o.Uid] = o;
        foreach (var owner in o.OwnerReferences)
            if (Json.Str(owner, "uid") is { } ownerUid)
            {
                if (!_dependents.TryGetValue(ownerUid, out var set)) _dependents[ownerUid] = set = [];
                set.Add(o.Uid);
            }
    }

    void Unindex(StoredObject o)
    {
        _byUid.Remove(o.Uid);
        foreach (var owner in o.OwnerReferences)
            if (Json.Str(owner, "uid") is { } ownerUid && _dependents.TryGetValue(ownerUid, out var set))
            {
                set.Remove(o.Uid);
                if (set.Count == 0) _dependents.Remove(ownerUid);
            }
    }

    /// <summary>History events after <paramref name="rv"/> for one resource; the caller has checked expiry.</summary>
    public List<StoredEvent> EventsAfter(long rv, string storageKey) => _history.After(rv, storageKey);

    /// <summary>Forgets all history, so any resourceVersion older than now is Expired (provokes 410).</summary>
    public void Compact()
    {
        lock (Gate) _history.CompactAll(_rv);
    }
}
