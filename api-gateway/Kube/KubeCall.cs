using System.Net;
using k8s.Autorest;

namespace Nexus.Gateway.Kube;

/// <summary>
/// Runs one call to the Kubernetes API. Answers callers decide on (404, 409, 422) pass through as
/// <see cref="HttpOperationException"/>; an unreachable or failing API server becomes <see cref="UpstreamUnavailableException"/>.
/// </summary>
public static class KubeCall
{
    public static async Task<T> Run<T>(Func<Task<T>> call, string what, CancellationToken ct)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (HttpOperationException ex) when (ex.Response?.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Conflict
                                                     or HttpStatusCode.UnprocessableEntity or HttpStatusCode.Gone)
        {
            throw;
        }
        catch (HttpOperationException ex)
        {
            throw new UpstreamUnavailableException($"Kubernetes API failed to {what}: {(int?)ex.Response?.StatusCode}", ex);
        }
        catch (HttpRequestException ex)
        {
            throw new UpstreamUnavailableException($"Kubernetes API unreachable while trying to {what}", ex);
        }
        catch (TaskCanceledException ex) when (!ct.IsCancellationRequested)
        {
            throw new UpstreamUnavailableException($"Kubernetes API timed out while trying to {what}", ex);
        }
    }

    /// <summary>The message of the API server's Status body, for passing a rejection on to the client.</summary>
    public static string StatusMessage(HttpOperationException ex)
    {
        var content = ex.Response?.Content;
        if (string.IsNullOrEmpty(content)) return ex.Message;
        try
        {
            using var doc = System.Text.Json.JsonDocument.Parse(content);
            return doc.RootElement.TryGetProperty("message", out var m) ? m.GetString() ?? ex.Message : ex.Message;
        }
        catch (System.Text.Json.JsonException)
        {
            return ex.Message;
        }
    }
}
