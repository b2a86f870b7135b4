using System.Net;
using System.Text.Json.Nodes;
using Nexus.Tests.Support;

namespace Nexus.Tests.EndToEnd;

/// <summary>
/// Ctrl-C and `make run` again: the second run starts from the first one's run directory (the stand-in's data file
/// and the PostgreSQL cluster in it) and serves the same jobs, results, API keys and pools. A stack of its own, in
/// the platform collection only so that the two stacks' start-ups do not compete with each other.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class MakeRunRestartEndToEndTests : IAsyncLifetime
{
    private readonly string _runDirectory = Directory.CreateTempSubdirectory("nexus-e2e-restart-").FullName;

    public Task InitializeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Ctrl_c_and_make_run_again_keeps_jobs_results_keys_and_pools()
    {
        string jobId, firstKey, tenant, resourceVersionBefore;
        JsonNode viewBefore;
        string[] poolsBefore;
        var first = new PlatformStack(_runDirectory, keepRunDirectory: true);
        try
        {
            await first.InitializeAsync();
            (firstKey, tenant) = (first.ApiKey, first.Tenant);
            using (var api = new JobsApi(first.Gateway, firstKey, tenant))
            {
                jobId = await api.DispatchOkAsync(new { type = "competitor_scan", @params = new { skus = new[] { "SKU-001" }, marketplace = "amazon_us" } });
                viewBefore = await api.WaitTerminalAsync(jobId);
            }
            Assert.Equal("completed", viewBefore["status"]!.GetValue<string>());
            Assert.NotNull(viewBefore["result"]);
            using var kubectl = new Kubectl(first.Kubeconfig);
            poolsBefore = (await kubectl.OkAsync(null, "get", "workerpools", "-o", "name")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.NotEmpty(poolsBefore);
            resourceVersionBefore = await NewResourceVersionAsync(kubectl, "marker-before");

            Assert.Equal(130, await first.StopAsync(Signals.Sigint));
        }
        finally { await first.DisposeAsync(); }

        var second = new PlatformStack(_runDirectory, keepRunDirectory: true);
        try { await ReadAfterRestartAsync(second, jobId, firstKey, tenant, viewBefore, poolsBefore, resourceVersionBefore); }
        finally { await second.DisposeAsync(); }
    }

    private static async Task ReadAfterRestartAsync(PlatformStack second, string jobId, string firstKey, string tenant,
        JsonNode viewBefore, string[] poolsBefore, string resourceVersionBefore)
    {
        await second.InitializeAsync();
        // The first run's key still authenticates and its job reads the same, result included.
        using (var api = new JobsApi(second.Gateway, firstKey, tenant))
        {
            var (status, body) = await api.GetAsync(jobId);
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Equal(viewBefore.ToJsonString(), body!["data"]!.ToJsonString());

            // And the platform works on: a new job runs to completion.
            var next = await api.DispatchOkAsync(new { type = "competitor_scan", @params = new { skus = new[] { "SKU-002" }, marketplace = "amazon_us" } });
            Assert.Equal("completed", (await api.WaitTerminalAsync(next))["status"]!.GetValue<string>());
        }
        using var kubectlAfter = new Kubectl(second.Kubeconfig);
        var poolsAfter = (await kubectlAfter.OkAsync(null, "get", "workerpools", "-o", "name")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(poolsBefore.Order(), poolsAfter.Order());
        // resourceVersions keep increasing across the restart, so no client's cached version is reused for other state.
        var resourceVersionAfter = await NewResourceVersionAsync(kubectlAfter, "marker-after");
        Assert.True(long.Parse(resourceVersionAfter) > long.Parse(resourceVersionBefore),
            $"resourceVersion after the restart {resourceVersionAfter} is not above {resourceVersionBefore}");
        Assert.Contains("marker-before", await kubectlAfter.OkAsync(null, "get", "configmaps", "-o", "name"));
    }

    private static async Task<string> NewResourceVersionAsync(Kubectl kubectl, string name)
    {
        // Applied as YAML: `kubectl create configmap` sends its body as protobuf, which the stand-in does not decode.
        await kubectl.OkAsync($"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: {name}}}\ndata: {{at: {name}}}\n", "apply", "-f", "-");
        return (await kubectl.OkAsync(null, "get", "configmap", name, "-o", "jsonpath={.metadata.resourceVersion}")).Trim();
    }

    public Task DisposeAsync() => PlatformStack.RemoveRunDirectoryAsync(_runDirectory);
}
