using System.Text.Json;
using Nexus.KubeApiServer.Tests.Support;

namespace Nexus.KubeApiServer.Tests.Conformance;

/// <summary>
/// A resourceVersion newer than the server has (a client that outlived a restore or a reset): the watch cache waits
/// for it, then answers "Too large resource version" (504 Timeout, cause ResourceVersionTooLarge), and client-go's
/// reflector re-lists from scratch.
/// </summary>
public class FutureResourceVersionTests
{
    [Theory, StandIn, RealCluster]
    public async Task A_list_from_a_future_resourceVersion_is_504_ResourceVersionTooLarge(string target)
    {
        var t = await ClusterTarget.GetAsync(target);
        var ns = await t.NewNamespaceAsync();
        var jobs = new AiJobs(t.Client, ns);
        var listed = await jobs.ListAsync();
        var future = long.Parse(listed["metadata"]!["resourceVersion"]!.GetValue<string>()) + 1_000_000;
        var e = await Assert.ThrowsAsync<k8s.Autorest.HttpOperationException>(() => t.Client.CustomObjects.ListNamespacedCustomObjectAsync(
            AiJobs.Group, AiJobs.Version, ns, AiJobs.Plural, resourceVersion: future.ToString()));
        Assert.Equal(504, (int)e.Response.StatusCode);
        var status = JsonNode.Parse(e.Response.Content)!.AsObject();
        Assert.Equal("Timeout", status["reason"]!.GetValue<string>());
        Assert.StartsWith($"Timeout: Too large resource version: {future}, current: ", status["message"]!.GetValue<string>());
        var cause = status["details"]!["causes"]![0]!;
        Assert.Equal("ResourceVersionTooLarge", cause["reason"]!.GetValue<string>());
        Assert.Equal("Too large resource version", cause["message"]!.GetValue<string>());
        Assert.Equal(1, status["details"]!["retryAfterSeconds"]!.GetValue<int>());
    }

    // Stand-in only: a real API server answers a plain watch from a future resourceVersion this way only where
    // the watch cache checks freshness for watches (watch-list); older ones hold the stream open silently.
    [Theory, StandIn]
    public async Task A_watch_from_a_future_resourceVersion_ends_with_an_ERROR_504(string target)
    {
        var t = await ClusterTarget.GetAsync(target);
        var ns = await t.NewNamespaceAsync();
        var jobs = new AiJobs(t.Client, ns);
        var future = t.Server!.ResourceVersion + 1_000_000;
        using var watch = jobs.Watch(future.ToString());
        await Eventually.UntilAsync(() => Task.FromResult(watch.Errors.Count > 0), "the ERROR event");
        var error = Assert.IsType<KubernetesException>(watch.Errors[0]);
        Assert.Equal(504, error.Status.Code);
        Assert.Equal("Timeout", error.Status.Reason);
        Assert.Equal("ResourceVersionTooLarge", error.Status.Details.Causes.Single().Reason);
    }

    [Theory, StandIn]
    public async Task A_list_from_a_resourceVersion_the_server_reaches_while_waiting_succeeds(string target)
    {
        var t = await ClusterTarget.GetAsync(target);
        var ns = await t.NewNamespaceAsync();
        var jobs = new AiJobs(t.Client, ns);
        var next = t.Server!.ResourceVersion + 1;
        var list = t.Client.CustomObjects.ListNamespacedCustomObjectAsync(AiJobs.Group, AiJobs.Version, ns, AiJobs.Plural, resourceVersion: next.ToString());
        var created = await jobs.CreateAsync(AiJobs.New("arrives"));
        var result = JsonSerializer.SerializeToNode(await list)!.AsObject();
        var listedAt = long.Parse(result["metadata"]!["resourceVersion"]!.GetValue<string>());
        Assert.True(listedAt >= next);
        // Another test's write may bring the server to `next` before this create: the list then answers from that
        // point, without the job. Either way it is the namespace as of the version it names.
        var createdAt = long.Parse(created["metadata"]!["resourceVersion"]!.GetValue<string>());
        Assert.Equal(listedAt >= createdAt ? 1 : 0, result["items"]!.AsArray().Count);
    }
}
