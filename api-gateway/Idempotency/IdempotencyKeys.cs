using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Nexus.Gateway.Kube;
using Nexus.Gateway.Outcomes;
using Nexus.Shared;

namespace Nexus.Gateway.Idempotency;

public enum IdempotencyState
{
    /// <summary>First use of the key: create the resource under the reserved name.</summary>
    Fresh,
    /// <summary>A repeat of the same request: answer with the resource already named.</summary>
    Repeat,
    /// <summary>The key was used for a different request, or could not be claimed: see the rejection.</summary>
    Rejected,
}

/// <summary>The outcome of claiming a key: the name of the resource the request creates (or created), or why not.</summary>
public sealed record IdempotencyClaim(IdempotencyState State, string ResourceName, Rejection? Rejection = null);

/// <summary>Claims Idempotency-Keys (per tenant, for <see cref="Ttl"/>) through records kept in the Kubernetes API.</summary>
public sealed class IdempotencyKeys(KubeObjects kube, TimeProvider time, TimeSpan ttl)
{
    public const int MaxKeyLength = 255;

    public TimeSpan Ttl => ttl;

    public static bool IsValidKey(string key) => key.Length is > 0 and <= MaxKeyLength && key.All(c => c is >= '!' and <= '~');

    /// <summary>A hash of what the request asks for, not of its bytes: whitespace and key order (of the envelope and inside
    /// params) do not matter.</summary>
    public static string RequestHash(string kind, IEnumerable<(string Type, string Priority, JsonElement Params)> jobs, string extra = "")
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            writer.WriteStringValue(kind);
            writer.WriteStringValue(extra);
            foreach (var (type, priority, parameters) in jobs)
            {
                writer.WriteStringValue(type);
                writer.WriteStringValue(priority);
                CanonicalJson.Write(writer, parameters);
            }
            writer.WriteEndArray();
        }
        return Convert.ToHexStringLower(SHA256.HashData(buffer.ToArray()));
    }

    public async Task<IdempotencyClaim> ClaimAsync(string tenant, string key, string kind, string requestHash,
        Func<string> newResourceName, CancellationToken ct)
    {
        var recordName = IdempotencyRecord.RecordName(tenant, key);
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var record = new IdempotencyRecord(kind, requestHash, newResourceName(), time.GetUtcNow());
            try
            {
                await kube.CreateConfigMapAsync(record.ToConfigMap(recordName, tenant), ct).ConfigureAwait(false);
                return new IdempotencyClaim(IdempotencyState.Fresh, record.ResourceName);
            }
            catch (KubeApiException ex) when (ex.IsConflict)
            {
                var existing = await kube.GetConfigMapAsync(recordName, ct).ConfigureAwait(false);
                if (existing is null) continue; // expired and swept between our create and read
                var stored = IdempotencyRecord.From(existing);
                if (stored is null || stored.CreatedAt + ttl < time.GetUtcNow())
                {
                    await kube.DeleteConfigMapAsync(recordName, existing.Metadata.ResourceVersion, ct).ConfigureAwait(false);
                    continue;
                }
                return stored.Kind == kind && stored.RequestHash == requestHash
                    ? new IdempotencyClaim(IdempotencyState.Repeat, stored.ResourceName)
                    : new IdempotencyClaim(IdempotencyState.Rejected, stored.ResourceName,
                        new Rejection(ErrorCodes.IdempotencyKeyReused, "This Idempotency-Key was already used with a different request"));
            }
        }
        return new IdempotencyClaim(IdempotencyState.Rejected, "",
            new Rejection(ErrorCodes.UpstreamUnavailable, "Could not claim the idempotency key; retry"));
    }

    /// <summary>Deletes records older than the TTL; run periodically.</summary>
    public async Task<int> SweepAsync(CancellationToken ct)
    {
        var records = await kube.ListConfigMapsAsync(IdempotencyRecord.Selector, ct).ConfigureAwait(false);
        var deleted = 0;
        foreach (var configMap in records)
        {
            var record = IdempotencyRecord.From(configMap);
            if (record is not null && record.CreatedAt + ttl >= time.GetUtcNow()) continue;
            await kube.DeleteConfigMapAsync(configMap.Metadata.Name, configMap.Metadata.ResourceVersion, ct).ConfigureAwait(false);
            deleted++;
        }
        return deleted;
    }
}
