using System.Net;

namespace Nexus.Shared;

/// <summary>A non-success answer of the Kubernetes API, with the Status reason when one was sent.</summary>
public sealed class KubeApiException(HttpStatusCode status, string? reason, string message)
    : Exception($"{(int)status} {reason}: {message}")
{
    public HttpStatusCode Status { get; } = status;
    public string? Reason { get; } = reason;
    public bool IsConflict => Status == HttpStatusCode.Conflict;
    public bool IsNotFound => Status == HttpStatusCode.NotFound;
    public bool IsGone => Status == HttpStatusCode.Gone;
}
