using Nexus.Crds.Entities;

namespace Nexus.Shared;

/// <summary>
/// The limits of every tenant, from the TenantQuotas an informer caches, resolved by <see cref="TenantLimits.Resolve"/>
/// once per change (quotas change rarely; lookups happen at every claim and dispatch). Lookups never block.
/// </summary>
public sealed class TenantQuotaBook
{
    private volatile Snapshot _snapshot = new(new Dictionary<string, TenantLimits>(StringComparer.Ordinal), TenantLimits.None);

    /// <summary>A book that follows the informer's cache.</summary>
    public TenantQuotaBook(Informer<TenantQuota> informer)
    {
        Informer = informer;
        informer.Changed += (_, _) => Reload(informer.Items);
    }

    /// <summary>A fixed book (tests, benchmarks).</summary>
    public TenantQuotaBook(IEnumerable<TenantQuota> quotas) => Reload(quotas);

    public Informer<TenantQuota>? Informer { get; }

    /// <summary>Raised after the limits changed (on the informer's loop: keep handlers cheap).</summary>
    public event Action? Changed;

    public TenantLimits For(string tenant)
    {
        var s = _snapshot;
        return s.ByTenant.TryGetValue(tenant, out var limits) ? limits : s.Fallback;
    }

    public int WeightOf(string tenant) => For(tenant).Weight;

    private void Reload(IEnumerable<TenantQuota> quotas)
    {
        var byTenant = TenantLimits.Resolve(quotas.ToList(), out var fallback);
        _snapshot = new Snapshot(byTenant, fallback);
        Changed?.Invoke();
    }

    private sealed record Snapshot(Dictionary<string, TenantLimits> ByTenant, TenantLimits Fallback);
}
