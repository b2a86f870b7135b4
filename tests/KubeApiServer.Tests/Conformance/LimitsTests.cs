using Nexus.KubeApiServer.Tests.Support;

namespace Nexus.KubeApiServer.Tests.Conformance;

/// <summary>The size limits a real cluster enforces: the API server's body limit, etcd's object limit, ConfigMap data.</summary>
public class LimitsTests
{
    static string Text(int bytes) => new('x', bytes);

    [Theory, StandIn, RealCluster]
    public async Task A_request_body_over_3_MiB_is_413_RequestEntityTooLarge(string target)
    {
        var t = await ClusterTarget.GetAsync(target);
        var ns = await t.NewNamespaceAsync();
        var big = new V1ConfigMap
        {
            Metadata = new V1ObjectMeta { Name = "big" },
            Data = new Dictionary<string, string> { ["a"] = Text(3 * 1024 * 1024) },
        };
        var (code, status) = await StatusOf.FailureAsync(() => t.Client.CoreV1.CreateNamespacedConfigMapAsync(big, ns));
        Assert.Equal(413, code);
        Assert.Equal("RequestEntityTooLarge", status["reason"]!.GetValue<string>());
        Assert.Equal("Request entity too large: limit is 3145728", status["message"]!.GetValue<string>());
        var (missing, _) = await StatusOf.FailureAsync(() => t.Client.CoreV1.ReadNamespacedConfigMapAsync("big", ns));
        Assert.Equal(404, missing);
    }

    [Theory, StandIn, RealCluster]
    public async Task ConfigMap_data_over_1_MiB_is_invalid(string target)
    {
        var t = await ClusterTarget.GetAsync(target);
        var ns = await t.NewNamespaceAsync();
        var (code, status) = await StatusOf.FailureAsync(() => t.Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap
        {
            Metadata = new V1ObjectMeta { Name = "big" },
            Data = new Dictionary<string, string> { ["a"] = Text(512 * 1024), ["b"] = Text(512 * 1024 + 1) },
        }, ns));
        Assert.Equal(422, code);
        Assert.Equal("Invalid", status["reason"]!.GetValue<string>());
        Assert.Contains("Too long: must have at most 1048576 bytes", status["message"]!.GetValue<string>());
        // Exactly 1 MiB is allowed.
        await t.Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap
        {
            Metadata = new V1ObjectMeta { Name = "full" },
            Data = new Dictionary<string, string> { ["a"] = Text(512 * 1024), ["b"] = Text(512 * 1024) },
        }, ns);
    }

    [Theory, StandIn, RealCluster]
    public async Task Secret_data_over_1_MiB_is_invalid(string target)
    {
        var t = await ClusterTarget.GetAsync(target);
        var ns = await t.NewNamespaceAsync();
        var (code, status) = await StatusOf.FailureAsync(() => t.Client.CoreV1.CreateNamespacedSecretAsync(new V1Secret
        {
            Metadata = new V1ObjectMeta { Name = "big" },
            Data = new Dictionary<string, byte[]> { ["a"] = new byte[1024 * 1024 + 1] },
        }, ns));
        Assert.Equal(422, code);
        Assert.Contains("Too long: must have at most 1048576 bytes", status["message"]!.GetValue<string>());
    }

    // Stand-in only: the limit is etcd's --max-request-bytes (1.5 MiB by default); a cluster on another datastore
    // (K3s on SQLite through kine) has none, so the same request may succeed there.
    [Theory, StandIn]
    public async Task An_object_over_etcds_limit_is_refused_with_etcds_error(string target)
    {
        var t = await ClusterTarget.GetAsync(target);
        var ns = await t.NewNamespaceAsync();
        var jobs = new AiJobs(t.Client, ns);
        var job = AiJobs.New("huge");
        job["spec"]!["params"]!["_simulate"] = new JsonObject { ["blob"] = Text(1600 * 1024) }; // under the 3 MiB body limit, over etcd's 1.5 MiB (in the one params field that keeps what it holds)
        var (code, status) = await StatusOf.FailureAsync(() => jobs.CreateAsync(job));
        Assert.Equal(500, code);
        Assert.Equal("etcdserver: request is too large", status["message"]!.GetValue<string>());
        Assert.Null(status["reason"]);
        Assert.False(await jobs.ExistsAsync("huge"));

        // Growing an existing object past the limit is refused the same way and leaves it as it was.
        var small = await jobs.CreateAsync(AiJobs.New("grows"));
        // (through status: spec.params is immutable once created)
        (code, _) = await StatusOf.FailureAsync(() =>
            jobs.PatchStatusAsync("grows", "{\"status\":{\"result\":{\"blob\":\"" + Text(1600 * 1024) + "\"}}}"));
        Assert.Equal(500, code);
        Assert.Equal(AiJobs.Rv(small), AiJobs.Rv(await jobs.GetAsync("grows")));
        // Just under the limit is stored.
        job["metadata"]!["name"] = "large";
        job["spec"]!["params"]!["_simulate"] = new JsonObject { ["blob"] = Text(1400 * 1024) };
        await jobs.CreateAsync(job);
    }
}
