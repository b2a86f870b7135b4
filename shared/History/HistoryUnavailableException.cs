namespace Nexus.Shared.History;

/// <summary>
/// The job history database could not be reached or stopped answering (connection refused or lost, server shutting
/// down, timeout). The one failure callers map to "try again later" (the gateway: 503); any other exception is a bug.
/// </summary>
public sealed class HistoryUnavailableException(string message, Exception inner) : Exception(message, inner)
{
    /// <summary>The API error code for it.</summary>
    public const string ErrorCode = "HISTORY_UNAVAILABLE";
}

/// <summary>A result larger than <see cref="HistoryOptions.MaxResultBytes"/> (uncompressed JSON bytes).</summary>
public sealed class ResultTooLargeException(long maxBytes)
    : Exception($"the result is larger than the maximum of {maxBytes} bytes")
{
    /// <summary>The API error code for it, as the operator reports it.</summary>
    public const string ErrorCode = "RESULT_TOO_LARGE";

    public long MaxBytes { get; } = maxBytes;
}

/// <summary>A job or batch id that is already archived under another tenant: nothing was written.</summary>
public sealed class TenantMismatchException(string id)
    : Exception($"'{id}' is archived under another tenant; it was not overwritten")
{
    public string Id { get; } = id;
}
