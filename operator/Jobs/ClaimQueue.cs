namespace Nexus.Operator.Jobs;

/// <summary>A claimable job as the queue orders it.</summary>
/// <param name="Rank">0 low, 1 normal, 2 high.</param>
/// <param name="CreatedAt">Creation order (FIFO within a priority); ties broken by name.</param>
/// <param name="QueuedAt">Start of the wait, for aging.</param>
public sealed record QueuedJob(string Name, string Type, string Tenant, int Rank, DateTime CreatedAt, DateTime QueuedAt);

/// <summary>
/// Claimable jobs, ordered for claiming: higher priority first; a job waiting longer than the aging threshold
/// counts one level higher (so low and normal jobs are never starved); within a level, tenants share the claims by
/// weight (stride scheduling: each claim advances its tenant's pass by <see cref="StrideScale"/> / weight and the
/// tenant with the lowest pass goes next, ties in order of arrival), and each tenant's jobs go in creation order.
/// A tenant that starts queuing joins at the lowest pass of those already waiting, so its first job waits at most
/// one round however many jobs the others have queued. With equal weights this is round-robin. A tenant (or a
/// tenant's type) held at its running limit keeps its jobs queued but out of the turns and of aging until released.
/// Every operation is O(log n) in queued jobs and tenants: each (type, level) keeps a sorted set per tenant and two
/// sorted sets of the tenants that may claim (by pass, for turns; by oldest job, for aging). Not thread-safe: the
/// owner serialises access.
/// </summary>
public sealed class ClaimQueue
{
    public const int Levels = 3;

    /// <summary>The pass one claim of a weight-1 tenant costs (a power of two: strides of weights up to 1,000 round by under 0.001%).</summary>
    public const long StrideScale = 1L << 30;

    private readonly TimeSpan _aging;
    private readonly Func<string, int> _weightOf;
    private readonly Dictionary<string, TypeQueue> _types = new(StringComparer.Ordinal);
    private readonly Dictionary<string, QueuedJob> _byName = new(StringComparer.Ordinal);
    private readonly HashSet<string> _heldTenants = new(StringComparer.Ordinal);
    private readonly HashSet<(string Tenant, string Type)> _heldPairs = [];

    /// <param name="weightOf">A tenant's share weight (at least 1), read at each claim; every tenant weighs 1 without it.</param>
    public ClaimQueue(TimeSpan agingThreshold, Func<string, int>? weightOf = null)
    {
        _aging = agingThreshold;
        _weightOf = weightOf ?? (_ => 1);
    }

    public int Count => _byName.Count;

    /// <summary>Changes with every change of the queue's contents, turns or holds (so an order computed at one version holds until it moves, aging aside).</summary>
    public long Version { get; private set; }
    public bool Contains(string name) => _byName.ContainsKey(name);
    public int CountOf(string type) => _types.TryGetValue(type, out var q) ? q.Count : 0;

    /// <summary>Whether the tenant's jobs of <paramref name="type"/> are held out of the turns (a running limit reached).</summary>
    public bool IsHeld(string tenant, string type) => _heldTenants.Contains(tenant) || _heldPairs.Contains((tenant, type));

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
        q.Levels[LevelOf(job)].Add(job, !IsHeld(job.Tenant, job.Type));
    }

    public bool Remove(string name)
    {
        if (!_byName.Remove(name, out var job)) return false;
        Version++;
        _types[job.Type].Levels[LevelOf(job)].Remove(job);
        return true;
    }

    /// <summary>
    /// Holds (or releases) a tenant's jobs: of every type when <paramref name="type"/> is null, else of that type.
    /// Held jobs stay queued (and counted) but are not claimed; a released tenant rejoins the turns no earlier than
    /// the lowest pass waiting, so a hold never banks claims for later.
    /// </summary>
    public void Hold(string tenant, string? type, bool held)
    {
        var changed = type is null
            ? held ? _heldTenants.Add(tenant) : _heldTenants.Remove(tenant)
            : held ? _heldPairs.Add((tenant, type)) : _heldPairs.Remove((tenant, type));
        if (!changed) return;
        Version++;
        foreach (var (t, q) in _types)
        {
            if (type is not null && t != type) continue;
            var eligible = !IsHeld(tenant, t);
            foreach (var level in q.Levels) level.SetEligible(tenant, eligible);
        }
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

    /// <summary>Removes and returns the job to claim next among <paramref name="types"/>; its tenant's pass advances by its stride.</summary>
    public QueuedJob? Take(IEnumerable<string> types, DateTime now)
    {
        var job = Peek(types, now);
        if (job is null) return null;
        // Charged at the job's own level (an aged job is one of its tenant's claims there), before the job leaves it.
        _types[job.Type].Levels[LevelOf(job)].Charge(job.Tenant, StrideScale / Math.Clamp(_weightOf(job.Tenant), 1, StrideScale));
        Remove(job.Name);
        return job;
    }

    /// <summary>
    /// The queued jobs of <paramref name="types"/> in the order they would be claimed at <paramref name="now"/> if
    /// nothing changed (at most <paramref name="max"/>): <see cref="Take"/> run over a copy of the queue, so the order
    /// is the claim order by construction, tenant turns and weights included. Held jobs are not in it (they have no
    /// place until their tenant is released). O(n) to copy plus O(max log n).
    /// </summary>
    public List<QueuedJob> InClaimOrder(IReadOnlyCollection<string> types, DateTime now, int max = int.MaxValue)
    {
        var copy = new ClaimQueue(_aging, _weightOf);
        copy._heldTenants.UnionWith(_heldTenants);
        copy._heldPairs.UnionWith(_heldPairs);
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

    private static int LevelOf(QueuedJob job) => Math.Clamp(job.Rank, 0, Levels - 1);

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

    /// <summary>One tenant's jobs at one (type, level) and its place in the turns there.</summary>
    private sealed class Share(string tenant, long pass, long arrival, bool eligible)
    {
        public readonly string Tenant = tenant;
        public readonly SortedSet<QueuedJob> Jobs = new(Order.Instance);
        public long Pass = pass;
        public readonly long Arrival = arrival;
        public bool Eligible = eligible;
    }

    private sealed class Level
    {
        private readonly Dictionary<string, Share> _shares = new(StringComparer.Ordinal);
        // Only eligible shares are in these two; a share is taken out before anything they sort by changes.
        private readonly SortedSet<Share> _turns = new(TurnOrder.Instance);
        private readonly SortedSet<Share> _byOldest = new(OldestOrder.Instance);
        private long _arrivals;
        // The pass of the last share charged: where tenants join when none is waiting.
        private long _virtualTime;

        public int Count { get; private set; }
        public IEnumerable<QueuedJob> All => _shares.Values.SelectMany(s => s.Jobs);

        /// <summary>The oldest job of the tenants that may claim (aging looks at it).</summary>
        public QueuedJob? Oldest => _byOldest.Count == 0 ? null : _byOldest.Min!.Jobs.Min;

        /// <summary>The oldest job of the tenant whose turn it is.</summary>
        public QueuedJob? Next => _turns.Count == 0 ? null : _turns.Min!.Jobs.Min;

        private long JoinPass => _turns.Count == 0 ? _virtualTime : Math.Max(_virtualTime, _turns.Min!.Pass);

        public void Add(QueuedJob job, bool eligible)
        {
            Count++;
            if (!_shares.TryGetValue(job.Tenant, out var share))
            {
                share = new Share(job.Tenant, JoinPass, ++_arrivals, eligible);
                share.Jobs.Add(job);
                _shares[job.Tenant] = share;
                if (eligible)
                {
                    _turns.Add(share);
                    _byOldest.Add(share);
                }
                return;
            }
            if (share.Eligible) _byOldest.Remove(share);
            share.Jobs.Add(job);
            if (share.Eligible) _byOldest.Add(share);
        }

        public void Remove(QueuedJob job)
        {
            var share = _shares[job.Tenant];
            if (share.Eligible) _byOldest.Remove(share);
            if (!share.Jobs.Remove(job))
            {
                if (share.Eligible) _byOldest.Add(share);
                return;
            }
            Count--;
            if (share.Jobs.Count > 0)
            {
                if (share.Eligible) _byOldest.Add(share);
                return;
            }
            if (share.Eligible) _turns.Remove(share);
            _shares.Remove(job.Tenant);
        }

        /// <summary>One claim of the tenant: its pass moves on by its stride (a tenant with twice the weight moves half as far).</summary>
        public void Charge(string tenant, long stride)
        {
            if (!_shares.TryGetValue(tenant, out var share)) return;
            if (share.Eligible) _turns.Remove(share);
            _virtualTime = Math.Max(_virtualTime, share.Pass);
            share.Pass += stride;
            if (share.Eligible) _turns.Add(share);
        }

        public void SetEligible(string tenant, bool eligible)
        {
            if (!_shares.TryGetValue(tenant, out var share) || share.Eligible == eligible) return;
            if (eligible)
            {
                share.Pass = Math.Max(share.Pass, JoinPass);
                share.Eligible = true;
                _turns.Add(share);
                _byOldest.Add(share);
            }
            else
            {
                _turns.Remove(share);
                _byOldest.Remove(share);
                share.Eligible = false;
            }
        }

        /// <summary>The same jobs, passes and holds (a sorted set copied from one with its comparer is O(n)).</summary>
        public Level Copy()
        {
            var copy = new Level { _arrivals = _arrivals, _virtualTime = _virtualTime, Count = Count };
            foreach (var (tenant, share) in _shares)
            {
                var twin = new Share(tenant, share.Pass, share.Arrival, share.Eligible);
                twin.Jobs.UnionWith(share.Jobs);
                copy._shares[tenant] = twin;
                if (!twin.Eligible) continue;
                copy._turns.Add(twin);
                copy._byOldest.Add(twin);
            }
            return copy;
        }
    }

    /// <summary>Turns: the lowest pass first, then the earlier arrival (round-robin among equals).</summary>
    private sealed class TurnOrder : IComparer<Share>
    {
        public static readonly TurnOrder Instance = new();

        public int Compare(Share? a, Share? b)
        {
            if (ReferenceEquals(a, b)) return 0;
            var c = a!.Pass.CompareTo(b!.Pass);
            return c != 0 ? c : a.Arrival.CompareTo(b.Arrival);
        }
    }

    /// <summary>Aging: the share holding the oldest job first (jobs are unique, so shares never tie).</summary>
    private sealed class OldestOrder : IComparer<Share>
    {
        public static readonly OldestOrder Instance = new();

        public int Compare(Share? a, Share? b) => ReferenceEquals(a, b) ? 0 : Order.Instance.Compare(a!.Jobs.Min, b!.Jobs.Min);
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
