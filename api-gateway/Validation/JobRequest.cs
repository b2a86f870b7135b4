using System.Text.Json;

namespace Nexus.Gateway.Validation;

/// <summary>
/// A validated job: known type, known priority, params checked against the type's schema; its own webhook URL when
/// given; the options a client may set (null when not given: the contract's defaults apply).
/// </summary>
public sealed record JobRequest(string Type, string Priority, JsonElement Params, string? CallbackUrl = null)
{
    /// <summary><c>max_retries</c> (0-5).</summary>
    public int? MaxRetries { get; init; }

    /// <summary><c>timeout_seconds</c> (1 to the type's maximum).</summary>
    public int? TimeoutSeconds { get; init; }

    /// <summary><c>metadata</c>: the client's labels, returned and filterable.</summary>
    public IReadOnlyDictionary<string, string>? Metadata { get; init; }

    /// <summary>The REST id of the job this one retries (set by the retry endpoint, never by a request body).</summary>
    public string? RetryOf { get; init; }
}
