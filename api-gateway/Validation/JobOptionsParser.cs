using System.Text.Json;
using Nexus.Crds.Entities;
using Nexus.Gateway.Outcomes;

namespace Nexus.Gateway.Validation;

/// <summary>
/// Reads a job's optional settings (<c>max_retries</c>, <c>timeout_seconds</c>, <c>metadata</c>) within the bounds of
/// <see cref="JobOptions"/>; every problem is an <c>INVALID_REQUEST</c> field error.
/// </summary>
internal static class JobOptionsParser
{
    public static readonly IReadOnlyList<string> Fields = ["max_retries", "timeout_seconds", "metadata"];

    /// <param name="type">The job's type when it is known (the timeout's bound depends on it).</param>
    /// <param name="fail">Records one field error (field relative to the job).</param>
    public static JobRequest Apply(JobRequest job, JsonElement body, string? type, Action<string, string, string> fail)
    {
        int? maxRetries = null;
        if (Given(body, "max_retries", out var retries))
        {
            if (Integer(retries, 0, JobOptions.MaxRetriesLimit) is { } n) maxRetries = n;
            else fail(ErrorCodes.InvalidRequest, "max_retries", $"must be an integer between 0 and {JobOptions.MaxRetriesLimit}");
        }

        int? timeout = null;
        if (Given(body, "timeout_seconds", out var seconds) && type is not null)
        {
            var max = JobOptions.MaxTimeoutSeconds(type);
            if (Integer(seconds, 1, max) is { } n) timeout = n;
            else fail(ErrorCodes.InvalidRequest, "timeout_seconds", $"must be an integer between 1 and {max} for {type}");
        }

        IReadOnlyDictionary<string, string>? metadata = null;
        if (Given(body, "metadata", out var map)) metadata = Metadata(map, fail);

        return job with { MaxRetries = maxRetries, TimeoutSeconds = timeout, Metadata = metadata };
    }

    private static bool Given(JsonElement body, string name, out JsonElement value) =>
        body.TryGetProperty(name, out value) && value.ValueKind != JsonValueKind.Null;

    private static int? Integer(JsonElement value, int min, int max) =>
        value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var n) && n >= min && n <= max ? n : null;

    private static Dictionary<string, string>? Metadata(JsonElement map, Action<string, string, string> fail)
    {
        if (map.ValueKind != JsonValueKind.Object)
        {
            fail(ErrorCodes.InvalidRequest, "metadata", "must be an object of string values");
            return null;
        }
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        var ok = true;
        foreach (var entry in map.EnumerateObject())
        {
            if (result.Count + 1 > JobOptions.MetadataMaxKeys)
            {
                fail(ErrorCodes.InvalidRequest, "metadata", $"must have at most {JobOptions.MetadataMaxKeys} keys");
                return null;
            }
            var field = "metadata." + Clip(entry.Name);
            if (!JobOptions.IsMetadataKey(entry.Name))
            {
                fail(ErrorCodes.InvalidRequest, field, $"key must match the pattern {JobOptions.MetadataKeyPattern}");
                ok = false;
            }
            else if (entry.Value.ValueKind != JsonValueKind.String)
            {
                fail(ErrorCodes.InvalidRequest, field, "must be a string");
                ok = false;
            }
            else if (entry.Value.GetString()!.Length > JobOptions.MetadataValueMaxLength)
            {
                fail(ErrorCodes.InvalidRequest, field, $"must be at most {JobOptions.MetadataValueMaxLength} characters");
                ok = false;
            }
            result[entry.Name] = entry.Value.ValueKind == JsonValueKind.String ? entry.Value.GetString()! : "";
        }
        return ok ? result : null;
    }

    /// <summary>A bad key is named in the field path; a long one only by its start.</summary>
    private static string Clip(string key) => key.Length <= JobOptions.MetadataKeyMaxLength ? key : key[..JobOptions.MetadataKeyMaxLength] + "...";
}
