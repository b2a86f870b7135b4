using System.Security.Cryptography;
using System.Text.Json;

namespace Nexus.Gateway.Idempotency;

/// <summary>
/// What an idempotent request asks for, as a hash stored with its Idempotency-Key: whitespace and key order (of the
/// envelope and inside params) do not matter, the kind (job or batch), types, priorities, params and order do.
/// </summary>
public static class RequestFingerprint
{
    public static string Of(string kind, IEnumerable<(string Type, string Priority, JsonElement Params)> jobs, string extra = "")
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
}
