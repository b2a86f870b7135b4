using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;
using k8s;
using k8s.Models;
using Nexus.Crds.Schema;

namespace Nexus.Crds.Entities;

/// <summary>
/// A tenant's share and limits, edited by the platform team: its weight in the claims of a priority level, how many of
/// its jobs may run at once (overall and per type) and how many may wait queued. The one with tenant <c>*</c> is the
/// default for tenants without their own.
/// </summary>
[KubernetesEntity(Group = NexusGroup.Group, ApiVersion = NexusGroup.Version, Kind = "TenantQuota", PluralName = "tenantquotas")]
[CrdNames("tq", Categories = [NexusGroup.Category])]
[Description("A tenant's weight in the claim order and its limits on running and queued AI jobs ('*' is the default for tenants without their own).")]
[PrinterColumn(1, "Tenant", "string", ".spec.tenant")]
[PrinterColumn(2, "Weight", "integer", ".spec.weight")]
[PrinterColumn(3, "Max-Running", "integer", ".spec.maxRunning")]
[PrinterColumn(4, "Max-Queued", "integer", ".spec.maxQueued")]
[PrinterColumn(5, "Age", "date", ".metadata.creationTimestamp")]
public sealed class TenantQuota : IKubernetesObject<V1ObjectMeta>, ISpec<TenantQuotaSpec>, IStatus<TenantQuotaStatus?>
{
    public const string KindName = "TenantQuota";
    public const string Plural = "tenantquotas";

    [JsonPropertyName("apiVersion")] public string ApiVersion { get; set; } = NexusGroup.ApiVersion;
    [JsonPropertyName("kind")] public string Kind { get; set; } = KindName;
    [JsonPropertyName("metadata")] public V1ObjectMeta Metadata { get; set; } = new();
    [Required, JsonPropertyName("spec")] public TenantQuotaSpec Spec { get; set; } = new();
    [JsonPropertyName("status")] public TenantQuotaStatus? Status { get; set; }
}

public sealed class TenantQuotaSpec
{
    /// <summary>The tenant that every tenant without a quota of its own gets.</summary>
    public const string DefaultTenant = "*";
    public const int MaxWeight = 1000;

    [Required, JsonPropertyName("tenant")]
    [Description("The tenant these limits are for (as in AiJob spec.tenant), or '*' for every tenant without its own.")]
    [MinLength(1), MaxLength(63), RegularExpression(@"^(\*|[a-z0-9]([a-z0-9_.-]*[a-z0-9])?)$")]
    public string Tenant { get; set; } = "";

    [JsonPropertyName("weight"), Range(1, MaxWeight), DefaultValue(1)]
    [Description("Share of the claims within a priority level: a tenant of weight 3 is claimed three times as often as one of weight 1 while both wait.")]
    public int Weight { get; set; } = 1;

    [JsonPropertyName("maxRunning"), Range(1, 100000)]
    [Description("At most this many of the tenant's jobs run at once; more stay queued until one ends. Unset: no limit.")]
    public int? MaxRunning { get; set; }

    [JsonPropertyName("maxRunningPerType"), ListMap("type"), MaxItems(6)]
    [Description("Running limits for single job types, on top of maxRunning.")]
    public List<TenantTypeLimit>? MaxRunningPerType { get; set; }

    [JsonPropertyName("maxQueued"), Range(1, 1000000)]
    [Description("At most this many of the tenant's jobs wait queued; dispatches past it are refused (QUEUE_FULL). Unset: the gateway's per-tenant limit.")]
    public int? MaxQueued { get; set; }
}

public sealed class TenantTypeLimit
{
    [Required, JsonPropertyName("type")]
    [AllowedValues(JobTypes.PricingRecalculate, JobTypes.ReviewSentiment, JobTypes.ReturnClassify,
        JobTypes.LlmVisibilityScore, JobTypes.CompetitorScan, JobTypes.ListingOptimize)]
    public string Type { get; set; } = "";

    [Required, JsonPropertyName("maxRunning"), Range(1, 100000)]
    public int MaxRunning { get; set; }
}

/// <summary>Nothing is written here yet; the subresource keeps the spec the platform team's alone.</summary>
public sealed class TenantQuotaStatus
{
    [JsonPropertyName("observedGeneration")] public long? ObservedGeneration { get; set; }
}

/// <summary>The limits that apply to one tenant, resolved from the TenantQuotas (see <see cref="TenantLimits.Resolve"/>).</summary>
/// <param name="MaxRunningPerType">Keyed by job type; absent types have no limit of their own.</param>
public sealed record TenantLimits(int Weight, int? MaxRunning, IReadOnlyDictionary<string, int> MaxRunningPerType, int? MaxQueued)
{
    /// <summary>No TenantQuota at all: weight 1, no running limit, the gateway's own queued limit.</summary>
    public static readonly TenantLimits None = new(1, null, new Dictionary<string, int>(), null);

    public int? MaxRunningOf(string type) => MaxRunningPerType.TryGetValue(type, out var max) ? max : null;

    public static TenantLimits From(TenantQuotaSpec spec) => new(
        Math.Clamp(spec.Weight, 1, TenantQuotaSpec.MaxWeight), spec.MaxRunning,
        (spec.MaxRunningPerType ?? []).GroupBy(l => l.Type, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Min(l => l.MaxRunning), StringComparer.Ordinal),
        spec.MaxQueued);

    /// <summary>
    /// The rule, in one place: a tenant's own TenantQuota, else the one for <c>*</c>, else <see cref="None"/>. Two
    /// quotas naming one tenant: the one whose object name sorts first wins (so every reader picks the same).
    /// </summary>
    public static Dictionary<string, TenantLimits> Resolve(IEnumerable<TenantQuota> quotas, out TenantLimits fallback)
    {
        var byTenant = quotas.GroupBy(q => q.Spec.Tenant, StringComparer.Ordinal).ToDictionary(g => g.Key, g => Pick(g)!, StringComparer.Ordinal);
        fallback = byTenant.Remove(TenantQuotaSpec.DefaultTenant, out var star) ? star : None;
        return byTenant;
    }

    /// <summary>Of the quotas naming one tenant, the one that applies (the first by object name); null when there are none.</summary>
    public static TenantLimits? Pick(IEnumerable<TenantQuota> sameTenant) =>
        sameTenant.MinBy(q => q.Metadata.Name, StringComparer.Ordinal) is { } first ? From(first.Spec) : null;
}
