using System.Security.Cryptography;
using System.Text.Json;
using Nexus.Gateway.Validation;

namespace Nexus.Gateway.Idempotency;

/// <summary>
/// What an idempotent request asks for, as a hash stored with its Idempotency-Key: whitespace and key order (of the
/// envelope and inside params) do not matter, the kind (job or batch), types, priorities, params, options
/// (max_retries, timeout_seconds, metadata), the job's own callback_url, the job a retry repeats, and order do.
/// </summary>
public static class RequestFingerprint
{
    public static string Of(string kind, IEnumerable<(string Type, string Priority, JsonElement Params)> jobs, string extra = "") =>
        Of(kind, jobs.Select(j => new JobRequest(j.Type, j.Priority, j.Params)), extra);

    public static string Of(string kind, IEnumerable<JobRequest> jobs, string extra = "")
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            writer.WriteStringValue(kind);
            writer.WriteStringValue(extra);
            foreach (var job in jobs)
            {
                writer.WriteStringValue(job.Type);
                writer.WriteStringValue(job.Priority);
                CanonicalJson.Write(writer, job.Params);
                WriteOptions(writer, job);
            }
            writer.WriteEndArray();
        }
        return Convert.ToHexStringLower(SHA256.HashData(buffer.ToArray()));
    }

    /// <summary>
    /// The options as one object after the params, only when any is given: a request without options hashes as it did
    /// before options existed, so keys claimed by an earlier release still match their repeats.
    /// </summary>
    private static void WriteOptions(Utf8JsonWriter writer, JobRequest job)
    {
        if (job.MaxRetries is null && job.TimeoutSeconds is null && job.Metadata is null && job.RetryOf is null && job.CallbackUrl is null) return;
        writer.WriteStartObject();
        if (job.CallbackUrl is { } callback) writer.WriteString("callback_url", callback);
        if (job.Metadata is { } metadata)
        {
            writer.WriteStartObject("metadata");
            foreach (var (key, value) in metadata.OrderBy(e => e.Key, StringComparer.Ordinal)) writer.WriteString(key, value);
            writer.WriteEndObject();
        }
        if (job.MaxRetries is { } retries) writer.WriteNumber("max_retries", retries);
        if (job.RetryOf is { } retryOf) writer.WriteString("retry_of", retryOf);
        if (job.TimeoutSeconds is { } timeout) writer.WriteNumber("timeout_seconds", timeout);
        writer.WriteEndObject();
    }
}
