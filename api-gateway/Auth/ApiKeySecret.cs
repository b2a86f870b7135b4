using System.Text;
using k8s.Models;
using Nexus.Gateway.RateLimiting;

namespace Nexus.Gateway.Auth;

/// <summary>
/// One API key as its Secret describes it (the Secret holds the hash, never the key). <see cref="RateLimit"/> is the
/// key's own request budget; null: the gateway's default.
/// </summary>
public sealed record ApiKey(string Name, string Hash, IReadOnlyList<string> Tenants, IReadOnlyList<string> Scopes, string? Description,
    KeyRateLimit? RateLimit = null);

/// <summary>
/// The Secret format of API keys: label <c>nexus.ai/api-key=true</c>; data <c>sha256</c>, <c>tenants</c>, <c>scopes</c>,
/// <c>description</c>, and optionally <c>rate-limit-per-second</c> and <c>rate-limit-burst</c> (positive integers;
/// burst defaults to twice the rate; a value that is not one leaves the key on the gateway's default).
/// </summary>
public static class ApiKeySecret
{
    public const string Label = "nexus.ai/api-key";
    public const string Selector = Label + "=true";
    public const string HashKey = "sha256";
    public const string TenantsKey = "tenants";
    public const string ScopesKey = "scopes";
    public const string DescriptionKey = "description";
    public const string RatePerSecondKey = "rate-limit-per-second";
    public const string RateBurstKey = "rate-limit-burst";

    public static V1Secret Build(string name, string hash, IEnumerable<string> tenants, IEnumerable<string> scopes, string? description,
        KeyRateLimit? rateLimit = null)
    {
        var data = new Dictionary<string, byte[]>
        {
            [HashKey] = Encoding.UTF8.GetBytes(hash),
            [TenantsKey] = Encoding.UTF8.GetBytes(string.Join(',', tenants)),
            [ScopesKey] = Encoding.UTF8.GetBytes(string.Join(',', scopes)),
        };
        if (!string.IsNullOrWhiteSpace(description)) data[DescriptionKey] = Encoding.UTF8.GetBytes(description);
        if (rateLimit is not null)
        {
            data[RatePerSecondKey] = Encoding.UTF8.GetBytes(rateLimit.PerSecond.ToString(System.Globalization.CultureInfo.InvariantCulture));
            data[RateBurstKey] = Encoding.UTF8.GetBytes(rateLimit.Burst.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        return new V1Secret
        {
            ApiVersion = "v1",
            Kind = "Secret",
            Metadata = new V1ObjectMeta { Name = name, Labels = new Dictionary<string, string> { [Label] = "true" } },
            Type = "Opaque",
            Data = data,
        };
    }

    /// <summary>The key a Secret describes, or null when it lacks a well-formed hash.</summary>
    public static ApiKey? Parse(V1Secret secret)
    {
        var data = secret.Data ?? new Dictionary<string, byte[]>();
        var hash = Text(data, HashKey)?.Trim().ToLowerInvariant();
        if (hash is null || hash.Length != 64 || !hash.All(Uri.IsHexDigit)) return null;
        return new ApiKey(secret.Metadata?.Name ?? "", hash, List(Text(data, TenantsKey)), List(Text(data, ScopesKey)),
            Text(data, DescriptionKey), KeyRateLimit.Parse(Text(data, RatePerSecondKey), Text(data, RateBurstKey)));
    }

    public static IReadOnlyList<string> List(string? commaList) =>
        (commaList ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct().ToList();

    private static string? Text(IDictionary<string, byte[]> data, string key) =>
        data.TryGetValue(key, out var bytes) && bytes is not null ? Encoding.UTF8.GetString(bytes) : null;
}
