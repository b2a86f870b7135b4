using System.Collections.Concurrent;
using Nexus.Crds.Entities;

namespace Nexus.Shared;

/// <summary>
/// The limits of every tenant, from the TenantQuotas an informer caches, resolved by the rule of
/// <see cref="TenantLimits.Resolve"/>. Each change re-resolves only the tenants it names (O(quotas of that tenant)),
/// so loading thousands of quotas stays linear; lookups (at every claim and dispatch) never block.
/// </summary>
public sealed class TenantQuotaBook
{
    private readonly ConcurrentDictionary<string, TenantLimits> _resolved = new(StringComparer.Ordinal);
    // tenant → its quotas by object name (only changes of the informer touch it, one at a time).
    private readonly Dictionary<string, Dictionary<string, TenantQuota>> _byTenant = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private volatile TenantLimits _fallback = TenantLimits.None;

    /// <summary>A book that follows the informer's cache.</summary>
    public TenantQuotaBook(Informer<TenantQuota> informer)
    {
        Informer = informer;
        informer.Changed += (old, @new) =>
        {
            lock (_lock)
            {
                if (old is not null) Set(old, remove: true);
                if (@new is not null) Set(@new, remove: false);
            }
            Changed?.Invoke();
        };
    }

    /// <summary>A fixed book (tests, benchmarks).</summary>
    public TenantQuotaBook(IEnumerable<TenantQuota> quotas)
    {
        foreach (var quota in quotas) Set(quota, remove: false);
    }

    public Informer<TenantQuota>? Informer { get; }

    /// <summary>Raised after the limits changed (on the informer's loop: keep handlers cheap).</summary>
    public event Action? Changed;

    public TenantLimits For(string tenant) => _resolved.TryGetValue(tenant, out var limits) ? limits : _fallback;

    public int WeightOf(string tenant) => For(tenant).Weight;

    private void Set(TenantQuota quota, bool remove)
    {
        var tenant = quota.Spec.Tenant;
        if (!_byTenant.TryGetValue(tenant, out var quotas)) _byTenant[tenant] = quotas = new Dictionary<string, TenantQuota>(StringComparer.Ordinal);
        if (remove) quotas.Remove(quota.Metadata.Name);
        else quotas[quota.Metadata.Name] = quota;
        var picked = TenantLimits.Pick(quotas.Values);
        if (picked is null) _byTenant.Remove(tenant);
        if (tenant == TenantQuotaSpec.DefaultTenant) _fallback = picked ?? TenantLimits.None;
        else if (picked is null) _resolved.TryRemove(tenant, out _);
        else _resolved[tenant] = picked;
    }
}
