using Nexus.Gateway.Cache;

namespace Nexus.Gateway.Jobs;

/// <summary>
/// Admission against the global and per-tenant limits on queued jobs. Counts come from the cache plus jobs this
/// gateway is creating right now (reserved before the create, released once the cache holds them), so concurrent
/// dispatches cannot all slip under the limit together.
/// </summary>
public sealed class QueueGate(JobIndex store, int maxQueued, int maxQueuedPerTenant)
{
    private readonly Dictionary<string, int> _pendingByTenant = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private int _pendingTotal;

    public Reservation? TryReserve(string tenant, int count)
    {
        lock (_lock)
        {
            var tenantPending = _pendingByTenant.GetValueOrDefault(tenant);
            if (store.WaitingTotal + _pendingTotal + count > maxQueued) return null;
            if (store.WaitingFor(tenant) + tenantPending + count > maxQueuedPerTenant) return null;
            _pendingTotal += count;
            _pendingByTenant[tenant] = tenantPending + count;
            return new Reservation(this, tenant, count);
        }
    }

    private void Release(string tenant, int count)
    {
        lock (_lock)
        {
            _pendingTotal -= count;
            var left = _pendingByTenant.GetValueOrDefault(tenant) - count;
            if (left <= 0) _pendingByTenant.Remove(tenant);
            else _pendingByTenant[tenant] = left;
        }
    }

    public sealed class Reservation(QueueGate gate, string tenant, int count) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0) gate.Release(tenant, count);
        }
    }
}
