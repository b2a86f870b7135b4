using k8s.Autorest;

namespace Nexus.KubeApiServer.Tests.Support;

/// <summary>Reads the Status object of a failed KubernetesClient call.</summary>
public static class StatusOf
{
    public static async Task<(int Code, JsonObject Status)> FailureAsync(Func<Task> call)
    {
        var e = await Assert.ThrowsAsync<HttpOperationException>(call);
        var status = JsonNode.Parse(e.Response.Content)!.AsObject();
        return ((int)e.Response.StatusCode, status);
    }
}
