using Nexus.Crds.Entities;
using Nexus.Operator.Jobs;
using Nexus.Operator.Pools;
using Nexus.Shared;

namespace Nexus.Operator.Dispatch;

/// <summary>A queued job's place in its pool's claim order (1 = next) and that pool's capacity.</summary>
public readonly record struct QueuePlace(string Tenant, int Position, int Capacity);

/// <summary>
/// Matches claimable jobs with free worker slots. Whenever a job becomes claimable or a slot frees up, one cycle
/// runs for each pool with a free slot, in numbered steps: 1. pick the best job the pool serves
/// (<see cref="ClaimQueue"/>: priority, aging, tenant turns by weight and creation; tenants at a running limit of
/// their <see cref="TenantLimits"/> are held there by <see cref="TenantLoad"/>), 2. match it to
/// a slot of the pool's least-loaded ready instance, 3. take it off the queue, 4. hand job and slot to the runner,
/// which claims and runs it. Jobs are only taken while a pool serving their type has capacity.
/// </summary>
public sealed class SlotScheduler
{
    private readonly ClaimQueue _queue;
    private readonly object _lock = new();
    private readonly PoolRegistry _registry;
    private readonly JobRunner _runner;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _signal = new(0);
    private readonly TenantLoad _load;

    /// <param name="quotas">The tenants' weights and running limits; without it every tenant weighs 1 and has no limit.</param>
    public SlotScheduler(TimeSpan agingThreshold, PoolRegistry registry, JobRunner runner, TimeProvider time, TenantQuotaBook? quotas = null)
    {
        Func<string, TenantLimits> limitsOf = quotas is null ? _ => TenantLimits.None : quotas.For;
        _queue = new ClaimQueue(agingThreshold, tenant => limitsOf(tenant).Weight);
        _load = new TenantLoad(_queue, limitsOf);
        _registry = registry;
        _runner = runner;
        _time = time;
        registry.CapacityChanged += Signal;
        runner.SlotFreed += Signal;
        runner.RunStarted += (name, tenant, type) =>
        {
            lock (_lock) _load.Started(name, tenant, type);
        };
        runner.RunStopped += name =>
        {
            lock (_lock) _load.Stopped(name);
        };
        if (quotas is not null)
        {
            quotas.Changed += () =>
            {
                lock (_lock) _load.Reapply();
                Signal();
            };
        }
    }

    public int Queued
    {
        get { lock (_lock) return _queue.Count; }
    }

    public void Offer(QueuedJob job)
    {
        lock (_lock) _queue.Upsert(job);
        Signal();
    }

    public void Withdraw(string name)
    {
        lock (_lock) _queue.Remove(name);
    }

    /// <summary>
    /// Where each queued job stands in its pool's claim order now (1 = claimed next), from the queue's own
    /// <see cref="ClaimQueue.InClaimOrder"/>; at most <paramref name="maxPerPool"/> per pool. A job whose type several
    /// pools serve keeps its best place. Takes the queue lock for one copy per pool, never the database.
    /// </summary>
    public IReadOnlyDictionary<string, QueuePlace> Positions(DateTime now, int maxPerPool)
    {
        var pools = _registry.Capacities();
        var poolsKey = string.Join('\n', pools.Select(p => $"{p.Pool}|{p.Capacity}|{string.Join(',', p.Types.Order(StringComparer.Ordinal))}"));
        long version;
        lock (_lock) version = _queue.Version;
        // Nothing queued, taken or re-pooled since the last computation: the same order, unless aging moved a job
        // up meanwhile, which a recomputation at least every PositionsMaxAge picks up.
        if (_positions is { } last && last.Version == version && last.PoolsKey == poolsKey && now - last.At < PositionsMaxAge) return last.Places;
        var places = new Dictionary<string, QueuePlace>(StringComparer.Ordinal);
        foreach (var (_, types, capacity) in pools)
        {
            List<QueuedJob> order;
            lock (_lock) order = _queue.InClaimOrder(types, now, maxPerPool);
            for (var i = 0; i < order.Count; i++)
            {
                var job = order[i];
                if (places.TryGetValue(job.Name, out var known) && known.Position <= i + 1) continue;
                places[job.Name] = new QueuePlace(job.Tenant, i + 1, capacity);
            }
        }
        _positions = (version, poolsKey, now, places);
        return places;
    }

    /// <summary>How long positions computed from an unchanged queue are reused (aging changes the order with time alone).</summary>
    public static readonly TimeSpan PositionsMaxAge = TimeSpan.FromSeconds(10);

    /// <summary>The last positions computed (only <see cref="Positions"/> reads and writes it, from one loop).</summary>
    private (long Version, string PoolsKey, DateTime At, Dictionary<string, QueuePlace> Places)? _positions;

    public void Signal()
    {
        if (_signal.CurrentCount < 2) _signal.Release();
    }

    public async Task RunAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                // The timeout re-evaluates aging even when nothing changes.
                await _signal.WaitAsync(TimeSpan.FromSeconds(1), ct);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            RunCycle(ct);
        }
    }

    /// <summary>One scheduling cycle over every pool with a free slot.</summary>
    private void RunCycle(CancellationToken ct)
    {
        var now = _time.GetUtcNow().UtcDateTime;
        foreach (var (pool, types) in _registry.PoolsWithFreeSlots(now))
        {
            while (!ct.IsCancellationRequested)
            {
                // 1. Pick: the job to claim next among the types this pool serves.
                lock (_lock)
                {
                    if (_queue.Peek(types, now) is null) break;
                }
                // 2. Match to a slot: the least-loaded ready instance of the pool with room.
                var lease = SlotLease.TryReserve(_registry, pool, now);
                if (lease is null) break;
                // 3. Take it off the queue (the best job now: an offer may have come in between).
                QueuedJob? job;
                lock (_lock) job = _queue.Take(types, now);
                if (job is null)
                {
                    lease.Release();
                    break;
                }
                // 4. Claim and run: the runner owns the lease from here and releases it when the run ends.
                if (!_runner.TryStart(job, lease, ct)) lease.Release();
            }
        }
    }
}
