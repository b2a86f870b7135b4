namespace Nexus.Operator.Jobs;

/// <summary>A claimable job as the queue orders it.</summary>
/// <param name="Rank">0 low, 1 normal, 2 high.</param>
/// <param name="CreatedAt">Creation order (FIFO within a priority); ties broken by name.</param>
/// <param name="QueuedAt">Start of the wait, for aging.</param>
public sealed record QueuedJob(string Name, string Type, string Tenant, int Rank, DateTime CreatedAt, DateTime QueuedAt);

/// <summary>
/// Claimable jobs, ordered for claiming: higher priority first; a job waiting longer than the aging threshold
/// counts one level higher (so low and normal jobs are never starved); within a level, tenants take turns
/// (round-robin) and each tenant's jobs go in creation order. Every operation is O(log n) in queued jobs:
/// each (type, level) keeps a sorted set of all its jobs (for aging), a sorted set per tenant, and a ring of
/// tenants. Not thread-safe: the owner serialises access.
/// </summary>
public sealed class ClaimQueue
{
    public const int Levels = 3;
    private readonly TimeSpan _aging;
    private readonly Dictionary<string, TypeQueue> _types = new(StringComparer.Ordinal);
    private readonly Dictionary<string, QueuedJob> _byName = new(StringComparer.Ordinal);

    public ClaimQueue(TimeSpan agingThreshold) => _aging = agingThreshold;

    public int Count => _byName.Count;

    /// <summary>Changes with every change of the queue's contents or turns (so an order computed at one version holds until it moves, aging aside).</summary>
    public long Version { get; private set; }
    public bool Contains(string name) => _byName.ContainsKey(name);
    public int CountOf(string type) => _types.TryGetValue(type, out var q) ? q.Count : 0;

    public void Upsert(QueuedJob job)
    {
        if (_byName.TryGetValue(job.Name, out var existing))
        {
            if (existing == job) return;
            Remove(job.Name);
        }
        Version++;
        _byName[job.Name] = job;
        if (!_types.TryGetValue(job.Type, out var q)) _types[job.Type] = q = new TypeQueue();
        q.Levels[Math.Clamp(job.Rank, 0, Levels - 1)].Add(job);
    }

    public bool Remove(string name)
    {
        if (!_byName.Remove(name, out var job)) return false;
        Version++;
        _types[job.Type].Levels[Math.Clamp(job.Rank, 0, Levels - 1)].Remove(job);
        return true;
    }

    /// <summary>The job to claim next among <paramref name="types"/>, without removing it.</summary>
    public QueuedJob? Peek(IEnumerable<string> types, DateTime now)
    {
        QueuedJob? best = null;
        var bestLevel = -1;
        foreach (var type in types)
        {
            if (!_types.TryGetValue(type, out var q) || q.Count == 0) continue;
            var (job, level) = q.Best(now, _aging);
            if (job is null) continue;
            if (level > bestLevel || (level == bestLevel && Order.Instance.Compare(job, best) < 0))
            {
                best = job;
                bestLevel = level;
            }
        }
        return best;
    }

    /// <summary>Removes and returns the job to claim next among <paramref name="types"/>; its tenant goes to the back of the turn.</summary>
    public QueuedJob? Take(IEnumerable<string> types, DateTime now)
    {
        var job = Peek(types, now);
        if (job is null) return null;
        var level = _types[job.Type].Levels[Math.Clamp(job.Rank, 0, Levels - 1)];
        Remove(job.Name);
        level.Rotate(job.Tenant);
        return job;
    }

    /// <summary>
    /// The queued jobs of <paramref name="types"/> in the order they would be claimed at <paramref name="now"/> if
    /// nothing changed (at most <paramref name="max"/>): <see cref="Take"/> run over a copy of the queue, so the order
    /// is the claim order by construction, tenant turns included. O(n) to copy plus O(max log n).
    /// </summary>
    public List<QueuedJob> InClaimOrder(IReadOnlyCollection<string> types, DateTime now, int max = int.MaxValue)
    {
        var copy = new ClaimQueue(_aging);
        foreach (var type in types)
        {
            if (!_types.TryGetValue(type, out var q) || q.Count == 0 || copy._types.ContainsKey(type)) continue;
            copy._types[type] = q.Copy();
            foreach (var level in q.Levels)
            {
                foreach (var job in level.All) copy._byName[job.Name] = job;
            }
        }
        var order = new List<QueuedJob>(Math.Min(max, copy.Count));
        while (order.Count < max && copy.Take(types, now) is { } next) order.Add(next);
        return order;
    }

    private sealed class TypeQueue
    {
        public Level[] Levels = [new(), new(), new()];

        public TypeQueue Copy() => new() { Levels = [Levels[0].Copy(), Levels[1].Copy(), Levels[2].Copy()] };
        public int Count => Levels[0].Count + Levels[1].Count + Levels[2].Count;

        public (QueuedJob?, int) Best(DateTime now, TimeSpan aging)
        {
            for (var l = ClaimQueue.Levels - 1; l >= 0; l--)
            {
                // Jobs of the level below that waited past the threshold count at this level, ahead of its own turn.
                if (l > 0 && Levels[l - 1].Oldest is { } old && now - old.QueuedAt >= aging) return (old, l);
                if (Levels[l].Next is { } next) return (next, l);
            }
            return (null, -1);
        }
    }

    private sealed class Level
    {
        private readonly SortedSet<QueuedJob> _all = new(Order.Instance);
        private readonly Dictionary<string, SortedSet<QueuedJob>> _byTenant = new(StringComparer.Ordinal);
        private readonly LinkedList<string> _ring = new();
        private readonly Dictionary<string, LinkedListNode<string>> _ringNodes = new(StringComparer.Ordinal);

        public int Count => _all.Count;
        public IEnumerable<QueuedJob> All => _all;
        public QueuedJob? Oldest => _all.Count == 0 ? null : _all.Min;

        /// <summary>The oldest job of the tenant whose turn it is.</summary>
        public QueuedJob? Next => _ring.First is { } first ? _byTenant[first.Value].Min : null;

        public void Add(QueuedJob job)
        {
            _all.Add(job);
            if (!_byTenant.TryGetValue(job.Tenant, out var set))
            {
                _byTenant[job.Tenant] = set = new SortedSet<QueuedJob>(Order.Instance);
                _ringNodes[job.Tenant] = _ring.AddLast(job.Tenant);
            }
            set.Add(job);
        }

        public void Remove(QueuedJob job)
        {
            _all.Remove(job);
            var set = _byTenant[job.Tenant];
            set.Remove(job);
            if (set.Count == 0)
            {
                _byTenant.Remove(job.Tenant);
                _ring.Remove(_ringNodes[job.Tenant]);
                _ringNodes.Remove(job.Tenant);
            }
        }

        /// <summary>The same jobs and the same tenant turn (a sorted set copied from one with its comparer is O(n)).</summary>
        public Level Copy()
        {
            var copy = new Level();
            copy._all.UnionWith(_all);
            foreach (var tenant in _ring)
            {
                copy._byTenant[tenant] = new SortedSet<QueuedJob>(_byTenant[tenant], Order.Instance);
                copy._ringNodes[tenant] = copy._ring.AddLast(tenant);
            }
            return copy;
        }

        public void Rotate(string tenant)
        {
            if (!_ringNodes.TryGetValue(tenant, out var node) || node == _ring.Last) return;
            _ring.Remove(node);
            _ring.AddLast(node);
        }
    }

    private sealed class Order : IComparer<QueuedJob?>
    {
        public static readonly Order Instance = new();

        public int Compare(QueuedJob? a, QueuedJob? b)
        {
            if (ReferenceEquals(a, b)) return 0;
            if (a is null) return 1;
            if (b is null) return -1;
            var c = a.CreatedAt.CompareTo(b.CreatedAt);
            return c != 0 ? c : string.CompareOrdinal(a.Name, b.Name);
        }
    }
}
