using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using k8s.Models;

namespace Nexus.Gateway.Idempotency;

/// <summary>
/// The record of one Idempotency-Key, kept as a ConfigMap named from a hash of (tenant, key): creating it is the
/// atomic "first one wins" step, and it names the resource that request creates, so a repeat - even on another
/// gateway replica or after a restart - finds the same job instead of creating a second one.
/// </summary>
public sealed record IdempotencyRecord(string Kind, string RequestHash, string ResourceName, DateTimeOffset CreatedAt)
{
    public const string Label = "nexus.ai/idempotency";
    public const string Selector = Label + "=true";
    private const string NamePrefix = "nexus-idem-";

    public static string RecordName(string tenant, string key)
    {
        var digest = SHA256.HashData(Encoding.UTF8.GetBytes(tenant + "\n" + key));
        return NamePrefix + Convert.ToHexStringLower(digest)[..48];
    }

    public V1ConfigMap ToConfigMap(string name, string tenant) => new()
    {
        ApiVersion = "v1",
        Kind = "ConfigMap",
        Metadata = new V1ObjectMeta
        {
            Name = name,
            Labels = new Dictionary<string, string> { [Label] = "true", ["nexus.ai/tenant"] = tenant },
        },
        Data = new Dictionary<string, string>
        {
            ["kind"] = Kind,
            ["requestHash"] = RequestHash,
            ["resource"] = ResourceName,
            ["createdAt"] = CreatedAt.ToString("O", CultureInfo.InvariantCulture),
        },
    };

    public static IdempotencyRecord? From(V1ConfigMap configMap)
    {
        var data = configMap.Data;
        if (data is null || !data.TryGetValue("kind", out var kind) || !data.TryGetValue("requestHash", out var hash)
            || !data.TryGetValue("resource", out var resource) || !data.TryGetValue("createdAt", out var created)
            || !DateTimeOffset.TryParse(created, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var createdAt))
            return null;
        return new IdempotencyRecord(kind, hash, resource, createdAt);
    }
}
