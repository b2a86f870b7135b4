using System.Threading.Channels;
using Nexus.KubeApiServer.Selectors;

namespace Nexus.KubeApiServer.Watch;

/// <summary>What a watch stream writes next: a change, a bookmark, or a terminal error.</summary>
public sealed record WatchItem(string Type, StoredObject? Object, StoredEvent? Source, long BookmarkRv = 0, JsonObject? Status = null);

/// <summary>One open watch: its filter and its queue. Unbounded so fan-out never blocks the writer.</summary>
public sealed class Watcher(ResourceType type, string? ns, LabelSelector? labels, FieldSelector? fields)
{
    public ResourceType Type { get; } = type;
    public Channel<WatchItem> Queue { get; } =
        Channel.CreateUnbounded<WatchItem>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = false });

    public bool Matches(StoredObject o) =>
        (ns is null || o.Namespace == ns) && (labels is null || labels.Matches(o)) && (fields is null || fields.Matches(o));

    /// <summary>
    /// Translates a store event for this watcher's filter: an object entering the selection is ADDED,
    /// one leaving it is DELETED, as the real watch cache does.
    /// </summary>
    public WatchItem? Translate(StoredEvent e)
    {
        var now = Matches(e.Object);
        if (e.Type != "MODIFIED" || e.Previous is null)
            return now ? new WatchItem(e.Type, e.Object, e) : null;
        var before = Matches(e.Previous);
        return (before, now) switch
        {
            (true, true) => new WatchItem("MODIFIED", e.Object, e),
            (false, true) => new WatchItem("ADDED", e.Object, null),
            (true, false) => new WatchItem("DELETED", e.Object, null),
            _ => null,
        };
    }
}

/// <summary>Fans store events out to the open watches of each resource.</summary>
public sealed class WatchHub
{
    readonly Dictionary<string, List<Watcher>> _byResource = new();
    readonly object _gate = new();

    public int OpenWatches
    {
        get { lock (_gate) return _byResource.Values.Sum(l => l.Count); }
    }

    public void Register(Watcher w)
    {
        lock (_gate)
        {
            if (!_byResource.TryGetValue(w.Type.StorageKey, out var list)) _byResource[w.Type.StorageKey] = list = new();
            list.Add(w);
        }
    }

    public void Unregister(Watcher w)
    {
        lock (_gate)
            if (_byResource.TryGetValue(w.Type.StorageKey, out var list)) list.Remove(w);
    }

    /// <summary>Called by the store under its gate, so every watcher's queue is in resourceVersion order.</summary>
    public void Publish(StoredEvent e)
    {
        lock (_gate)
        {
            if (!_byResource.TryGetValue(e.Object.Type.StorageKey, out var list)) return;
            foreach (var w in list)
                if (w.Translate(e) is { } item) w.Queue.Writer.TryWrite(item);
        }
    }

    /// <summary>Ends every open watch stream (the client sees the connection end, as after an apiserver restart).</summary>
    public int DropAll()
    {
        lock (_gate)
        {
            var n = 0;
            foreach (var w in _byResource.Values.SelectMany(l => l))
                if (w.Queue.Writer.TryComplete()) n++;
            _byResource.Clear();
            return n;
        }
    }

    /// <summary>Ends watches of one resource (its CRD was deleted).</summary>
    public void DropResource(string storageKey)
    {
        lock (_gate)
        {
            if (!_byResource.Remove(storageKey, out var list)) return;
            foreach (var w in list) w.Queue.Writer.TryComplete();
        }
    }
}
