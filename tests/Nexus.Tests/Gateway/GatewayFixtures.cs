using System.Text.Json;
using k8s.Models;
using Nexus.Crds.Entities;

namespace Nexus.Tests.Gateway;

/// <summary>AiJob objects as the API server would hold them, for the gateway's pure-logic tests.</summary>
internal static class GatewayFixtures
{
    public static AiJob Job(string tenant = "acme", string type = JobTypes.PricingRecalculate, string? phase = null,
        string priority = Priorities.Normal, string? name = null, DateTimeOffset? createdAt = null, bool cancel = false)
    {
        var ulid = Ulid.NewUlid(createdAt ?? DateTimeOffset.UtcNow);
        return new AiJob
        {
            Metadata = new V1ObjectMeta { Name = name ?? "job-" + ulid.ToLowerInvariant(), ResourceVersion = "1", Uid = Guid.NewGuid().ToString() },
            Spec = new AiJobSpec
            {
                Type = type, Tenant = tenant, Priority = priority, Cancel = cancel,
                Params = JsonDocument.Parse("""{"skus":["SKU-001"],"marketplace":"amazon_us"}""").RootElement.Clone(),
            },
            Status = phase is null ? null : new AiJobStatus { Phase = phase },
        };
    }
}
