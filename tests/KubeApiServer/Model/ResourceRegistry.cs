namespace Nexus.KubeApiServer.Model;

/// <summary>
/// The set of served resources. Readers take an immutable snapshot; writers (CRD create/delete) swap it,
/// so discovery and routing never lock.
/// </summary>
public sealed class ResourceRegistry
{
    volatile Snapshot _snapshot = new([]);
    readonly object _writeGate = new();

    public sealed class Snapshot
    {
        public Snapshot(IReadOnlyList<ResourceType> types)
        {
            Types = types;
            ByPath = types.ToDictionary(t => (t.Group, t.Version, t.Plural));
            Version = Interlocked.Increment(ref _versions);
        }
        static long _versions;
        public IReadOnlyList<ResourceType> Types { get; }
        public Dictionary<(string Group, string Version, string Plural), ResourceType> ByPath { get; }
        /// <summary>Changes whenever the served set changes (used as the OpenAPI hash).</summary>
        public long Version { get; }
    }

    public Snapshot Current => _snapshot;

    public ResourceType? Find(string group, string version, string plural) =>
        _snapshot.ByPath.GetValueOrDefault((group, version, plural));

    public ResourceType? FindKind(string apiVersion, string kind)
    {
        foreach (var t in _snapshot.Types)
            if (t.Kind == kind && t.ApiVersion == apiVersion) return t;
        return null;
    }

    public void Add(IEnumerable<ResourceType> types)
    {
        lock (_writeGate)
        {
            var list = _snapshot.Types.ToList();
            foreach (var t in types)
            {
                list.RemoveAll(x => x.Group == t.Group && x.Version == t.Version && x.Plural == t.Plural);
                list.Add(t);
            }
            _snapshot = new Snapshot(list);
        }
    }

    public void RemoveWhere(Func<ResourceType, bool> predicate)
    {
        lock (_writeGate)
            _snapshot = new Snapshot(_snapshot.Types.Where(t => !predicate(t)).ToList());
    }
}
