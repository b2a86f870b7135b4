using Nexus.KubeApiServer.Tests.Kubectl;
using Nexus.KubeApiServer.Tests.Support;

namespace Nexus.KubeApiServer.Tests.StandIn;

/// <summary>What other real clients send: query booleans as the API server decodes them, /openapi/v2, Events tables.</summary>
public class ClientCompatibilityTests : IAsyncLifetime
{
    KubeApiServer _server = null!;
    HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _server = await KubeApiServer.StartAsync(new KubeApiServerOptions { CrdPaths = { RepoRoot.Crds } });
        _http = new HttpClient { BaseAddress = new Uri(_server.Url) };
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _server.DisposeAsync();
    }

    [Theory]
    [InlineData("True")]
    [InlineData("true")]
    [InlineData("TRUE")]
    [InlineData("1")]
    [InlineData("t")]
    [InlineData("")]
    public async Task Watch_values_the_API_server_reads_as_true_open_a_watch(string value)
    {
        using var client = _server.CreateClient();
        await new AiJobs(client, "default").CreateAsync(AiJobs.New("w-" + Guid.NewGuid().ToString("N")[..6]));
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/apis/nexus.ai/v1/namespaces/default/aijobs?watch={value}&timeoutSeconds=1");
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var body = await response.Content.ReadAsStringAsync();
        var first = JsonNode.Parse(body.Split('\n')[0])!;
        Assert.Equal("ADDED", first["type"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("False")]
    [InlineData("false")]
    [InlineData("0")]
    public async Task Watch_values_the_API_server_reads_as_false_list(string value)
    {
        var list = JsonNode.Parse(await _http.GetStringAsync($"/apis/nexus.ai/v1/namespaces/default/aijobs?watch={value}"))!;
        Assert.Equal("AiJobList", list["kind"]!.GetValue<string>());
    }

    [Fact]
    public async Task OpenApi_v2_is_served_as_json_with_each_custom_kinds_patch_types()
    {
        var doc = JsonNode.Parse(await _http.GetStringAsync("/openapi/v2"))!;
        Assert.Equal("2.0", doc["swagger"]!.GetValue<string>());
        var aijob = doc["definitions"]!["ai.nexus.v1.AiJob"]!;
        Assert.Equal("AiJob", aijob["x-kubernetes-group-version-kind"]![0]!["kind"]!.GetValue<string>());
        Assert.NotNull(aijob["properties"]!["spec"]);
        var consumes = doc["paths"]!["/apis/nexus.ai/v1/namespaces/{namespace}/aijobs/{name}"]!["patch"]!["consumes"]!.AsArray()
            .Select(c => c!.GetValue<string>()).ToList();
        Assert.Contains("application/merge-patch+json", consumes);
        Assert.DoesNotContain("application/strategic-merge-patch+json", consumes);
        Assert.DoesNotContain("nullable", doc.ToJsonString());

        using var proto = new HttpRequestMessage(HttpMethod.Get, "/openapi/v2");
        proto.Headers.TryAddWithoutValidation("Accept", "application/com.github.proto-openapi.spec.v2@v1.0+protobuf");
        using var refused = await _http.SendAsync(proto);
        Assert.Equal(406, (int)refused.StatusCode);
        Assert.Equal("NotAcceptable", JsonNode.Parse(await refused.Content.ReadAsStringAsync())!["reason"]!.GetValue<string>());
    }

    [Fact]
    public async Task Kubectl_get_events_prints_the_event_columns_and_series_counts()
    {
        Assert.True(KubectlRunner.Available, "kubectl is not installed");
        using var client = _server.CreateClient();
        var ns = (await client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { GenerateName = "ev-" } })).Metadata.Name;
        var now = DateTime.UtcNow;
        await client.CoreV1.CreateNamespacedEventAsync(new Corev1Event
        {
            Metadata = new V1ObjectMeta { Name = "job-a.claimed" },
            InvolvedObject = new V1ObjectReference { Kind = "AiJob", Name = "job-a", NamespaceProperty = ns, ApiVersion = "nexus.ai/v1" },
            Reason = "Claimed", Message = "claimed by worker-1  ", Type = "Normal",
            Source = new V1EventSource { Component = "nexus-operator" },
            FirstTimestamp = now.AddMinutes(-3), LastTimestamp = now.AddMinutes(-3), Count = 1,
        }, ns);
        await client.CoreV1.CreateNamespacedEventAsync(new Corev1Event
        {
            Metadata = new V1ObjectMeta { Name = "job-a.retried" },
            InvolvedObject = new V1ObjectReference { Kind = "AiJob", Name = "job-a", NamespaceProperty = ns, ApiVersion = "nexus.ai/v1" },
            Reason = "Retried", Message = "attempt failed", Type = "Warning",
            ReportingComponent = "nexus-operator", ReportingInstance = "op-0",
            EventTime = now.AddMinutes(-10),
            Series = new Corev1EventSeries { Count = 4, LastObservedTime = now.AddSeconds(-30) },
        }, ns);

        using var kubectl = new KubectlRunner(_server.KubeconfigPath);
        var get = await kubectl.RunAsync("get", "events", "-n", ns, "--sort-by=.metadata.name");
        Assert.True(get.ExitCode == 0, get.Stderr);
        var lines = get.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["LAST", "SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"], lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Matches(@"^3m\d*s?\s+Normal\s+Claimed\s+aijob/job-a\s+claimed by worker-1$", lines[1]);
        Assert.Matches(@"^\d+s\s+Warning\s+Retried\s+aijob/job-a\s+attempt failed$", lines[2]);

        var wide = await kubectl.RunAsync("get", "events", "-n", ns, "-o", "wide", "--sort-by=.metadata.name");
        Assert.True(wide.ExitCode == 0, wide.Stderr);
        var wideLines = wide.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains("COUNT", wideLines[0]);
        Assert.Contains("nexus-operator, op-0", wideLines[2]);
        Assert.Matches(@"\s4\s+job-a\.retried$", wideLines[2]);
    }
}
