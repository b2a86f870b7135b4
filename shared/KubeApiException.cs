using System.Net;

namespace Nexus.Shared;

/// <summary>
/// A non-success answer of the Kubernetes API, with the Status reason and message when one was sent. Every call of
/// <see cref="KubeApi"/> fails with this type when the server answers; only a server that cannot be reached
/// surfaces as the transport's own exception.
/// </summary>
public sealed class KubeApiException(HttpStatusCode status, string? reason, string message)
    : Exception($"{(int)status} {reason}: {message}")
{
    public HttpStatusCode Status { get; } = status;
    public string? Reason { get; } = reason;

    /// <summary>The Status body's message, as the server wrote it (for passing a rejection on).</summary>
    public string StatusMessage { get; } = message;

    public bool IsConflict => Status == HttpStatusCode.Conflict;
    public bool IsNotFound => Status == HttpStatusCode.NotFound;
    public bool IsGone => Status == HttpStatusCode.Gone;

    /// <summary>422: the object failed the schema or another admission rule.</summary>
    public bool IsInvalid => Status == HttpStatusCode.UnprocessableEntity;
}
