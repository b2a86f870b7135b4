using System.Net;
using k8s.Autorest;

namespace Nexus.Gateway.Kube;

/// <summary>Classifies failures of calls to the Kubernetes API.</summary>
public static class KubeErrors
{
    public static HttpStatusCode? StatusOf(Exception ex) => ex is HttpOperationException http ? http.Response?.StatusCode : null;

    public static bool IsNotFound(Exception ex) => StatusOf(ex) == HttpStatusCode.NotFound;

    /// <summary>409: AlreadyExists on create, Conflict (stale resourceVersion) on update/patch.</summary>
    public static bool IsConflict(Exception ex) => StatusOf(ex) == HttpStatusCode.Conflict;

    public static bool IsGone(Exception ex) => StatusOf(ex) == HttpStatusCode.Gone;
}

/// <summary>The Kubernetes API could not be reached or failed; the client gets 503 and may retry.</summary>
public sealed class UpstreamUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
