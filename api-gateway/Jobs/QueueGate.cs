using Nexus.Crds.Entities;
using Nexus.Gateway.Cache;

namespace Nexus.Gateway.Jobs;

/// <summary>Which limit refused a reservation, and its value.</summary>
public readonly record struct QueueRefusal(QueueLimit Limit, int Max);

public enum QueueLimit
{
    /// <summary>The gateway's limit on all queued jobs.</summary>
    Total,
    /// <summary>The gateway's per-tenant limit (tenants without a TenantQuota maxQueued).</summary>
    Tenant,
    /// <summary>The tenant's TenantQuota maxQueued.</summary>
    TenantQuota,
}

/// <summary>
/// Admission against the global and per-tenant limits on queued jobs. Counts come from the cache plus the jobs this
/// gateway is creating right now and the cache does not hold yet: a reservation names its jobs, and each counts as
/// pending only until the cache has it (from the create's answer or from the watch, whichever comes first), so a job
/// is never counted twice, and concurrent dispatches cannot all slip under the limit together. A tenant's limit is
/// its TenantQuota's maxQueued when it has one (<paramref name="limitsOf"/>), else the gateway's per-tenant limit.
/// </summary>
public sealed class QueueGate(JobIndex store, int maxQueued, int maxQueuedPerTenant, Func<string, TenantLimits>? limitsOf = null)
{
    private readonly List<Reservation> _open = [];
    private readonly Lock _lock = new();

    /// <summary>Reserves places for the named jobs about to be created; null when they would pass a limit.</summary>
    public Reservation? TryReserve(string tenant, IReadOnlyCollection<string> names) => TryReserve(tenant, names, out _);

    /// <summary>Reserves places for the named jobs about to be created; null, with the limit they would pass, when they would pass one.</summary>
    public Reservation? TryReserve(string tenant, IReadOnlyCollection<string> names, out QueueRefusal refusal)
    {
        var quota = limitsOf?.Invoke(tenant).MaxQueued;
        var (tenantLimit, tenantMax) = quota is { } q ? (QueueLimit.TenantQuota, q) : (QueueLimit.Tenant, maxQueuedPerTenant);
        refusal = default;
        lock (_lock)
        {
            var (pendingTotal, pendingTenant) = (0, 0);
            foreach (var open in _open)
            {
                var pending = open.NotYetCached(store);
                pendingTotal += pending;
                if (open.Tenant == tenant) pendingTenant += pending;
            }
            if (store.WaitingTotal + pendingTotal + names.Count > maxQueued)
            {
                refusal = new QueueRefusal(QueueLimit.Total, maxQueued);
                return null;
            }
            if (store.WaitingFor(tenant) + pendingTenant + names.Count > tenantMax)
            {
                refusal = new QueueRefusal(tenantLimit, tenantMax);
                return null;
            }
            var reservation = new Reservation(this, tenant, names);
            _open.Add(reservation);
            return reservation;
        }
    }

    private void Release(Reservation reservation)
    {
        lock (_lock) _open.Remove(reservation);
    }

    public sealed class Reservation(QueueGate gate, string tenant, IReadOnlyCollection<string> names) : IDisposable
    {
        private int _released;

        public string Tenant { get; } = tenant;

        internal int NotYetCached(JobIndex store) => names.Count(n => !store.TryGet(n, out _));

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0) gate.Release(this);
        }
    }
}
