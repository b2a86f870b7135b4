using System.Net.Http.Headers;
using Nexus.KubeApiServer.Tests.Support;

namespace Nexus.KubeApiServer.Tests.StandIn;

/// <summary>What kubectl relies on, checked on the wire: Table output, aggregated discovery, OpenAPI, /version.</summary>
public class WireFormatTests : IAsyncLifetime
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

    async Task<(HttpResponseMessage Response, JsonObject Body)> GetAsync(string path, string accept)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.TryAddWithoutValidation("Accept", accept);
        var response = await _http.SendAsync(request);
        return (response, JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject());
    }

    [Fact]
    public async Task Table_output_uses_the_printer_columns()
    {
        using var client = _server.CreateClient();
        var jobs = new AiJobs(client, "default");
        await jobs.CreateAsync(AiJobs.New("tbl", type: "review_sentiment", tenant: "shop1"));
        await jobs.PatchStatusAsync("tbl", """{"status":{"phase":"Running","attempts":2}}""");
        var (response, table) = await GetAsync("/apis/nexus.ai/v1/namespaces/default/aijobs?limit=500",
            "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json");
        Assert.Equal("Table", table["kind"]!.GetValue<string>());
        Assert.StartsWith("application/json;as=Table", response.Content.Headers.ContentType!.ToString().Replace(" ", ""));
        var columns = table["columnDefinitions"]!.AsArray().Select(c => c!["name"]!.GetValue<string>()).ToList();
        Assert.Equal(["Name", "Type", "Tenant", "Priority", "Status", "Attempts", "Worker", "Error", "Message", "Age"], columns);
        var cells = table["rows"]![0]!["cells"]!.AsArray();
        Assert.Equal("tbl", cells[0]!.GetValue<string>());
        Assert.Equal("review_sentiment", cells[1]!.GetValue<string>());
        Assert.Equal("shop1", cells[2]!.GetValue<string>());
        Assert.Equal("normal", cells[3]!.GetValue<string>());
        Assert.Equal("Running", cells[4]!.GetValue<string>());
        Assert.Equal(2, cells[5]!.GetValue<long>());
        Assert.Null(cells[6]);
        Assert.Null(cells[8]); // no Finished condition yet
        Assert.Matches("^[0-9]+s$", cells[9]!.GetValue<string>());
        Assert.Equal("PartialObjectMetadata", table["rows"]![0]!["object"]!["kind"]!.GetValue<string>());
    }

    [Fact]
    public async Task Aggregated_discovery_answers_with_the_exact_content_type()
    {
        var (response, doc) = await GetAsync("/apis",
            "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json");
        Assert.Equal("application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList", response.Content.Headers.ContentType!.ToString().Replace(" ", ""));
        var nexus = doc["items"]!.AsArray().Single(i => i!["metadata"]!["name"]?.GetValue<string>() == "nexus.ai")!;
        var aijobs = nexus["versions"]![0]!["resources"]!.AsArray().Single(r => r!["resource"]!.GetValue<string>() == "aijobs")!;
        Assert.Equal("aij", aijobs["shortNames"]![0]!.GetValue<string>());
        Assert.Equal("nexus", aijobs["categories"]![0]!.GetValue<string>());
        Assert.Equal("status", aijobs["subresources"]![0]!["subresource"]!.GetValue<string>());
        var (legacy, plain) = await GetAsync("/apis", "application/json");
        Assert.Equal("APIGroupList", plain["kind"]!.GetValue<string>());
        Assert.Equal("application/json", legacy.Content.Headers.ContentType!.MediaType);
    }

    [Fact]
    public async Task OpenApi_v3_declares_fieldValidation_on_patch()
    {
        var (_, index) = await GetAsync("/openapi/v3", "application/json");
        var url = index["paths"]!["apis/nexus.ai/v1"]!["serverRelativeURL"]!.GetValue<string>();
        var (_, doc) = await GetAsync(url, "application/json");
        var patch = doc["paths"]!["/apis/nexus.ai/v1/namespaces/{namespace}/aijobs/{name}"]!["patch"]!;
        Assert.Equal("AiJob", patch["x-kubernetes-group-version-kind"]!["kind"]!.GetValue<string>());
        Assert.Contains(patch["parameters"]!.AsArray(), p => p!["name"]!.GetValue<string>() == "fieldValidation");
    }

    [Fact]
    public async Task Version_reports_a_1_32_server()
    {
        var (_, version) = await GetAsync("/version", "application/json");
        Assert.Equal("32", version["minor"]!.GetValue<string>());
        Assert.StartsWith("v1.32.", version["gitVersion"]!.GetValue<string>());
    }

    [Fact]
    public async Task Unknown_paths_are_404_Status_not_500()
    {
        var (response, status) = await GetAsync("/apis/nexus.ai/v1/namespaces/default/nothings", "application/json");
        Assert.Equal(404, (int)response.StatusCode);
        Assert.Equal("NotFound", status["reason"]!.GetValue<string>());
        var bad = new HttpRequestMessage(HttpMethod.Post, "/apis/nexus.ai/v1/namespaces/default/aijobs")
        {
            Content = new StringContent("{not json", new MediaTypeHeaderValue("application/json")),
        };
        var badResponse = await _http.SendAsync(bad);
        Assert.Equal(400, (int)badResponse.StatusCode);
    }

    [Theory]
    [InlineData("Strict")]
    [InlineData("Warn")]
    [InlineData("Ignore")]
    public async Task A_repeated_key_follows_fieldValidation_and_never_fails_the_server(string validation)
    {
        var name = "dup-" + validation.ToLowerInvariant();
        var body = "{\"apiVersion\":\"nexus.ai/v1\",\"kind\":\"AiJob\",\"metadata\":{\"name\":\"" + name + "\"},"
                   + "\"spec\":{\"type\":\"pricing_recalculate\",\"tenant\":\"acme\",\"priority\":\"low\",\"priority\":\"high\"}}";
        var request = new HttpRequestMessage(HttpMethod.Post, $"/apis/nexus.ai/v1/namespaces/default/aijobs?fieldValidation={validation}")
        {
            Content = new StringContent(body, new MediaTypeHeaderValue("application/json")),
        };
        var response = await _http.SendAsync(request);
        var answer = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        if (validation == "Strict")
        {
            Assert.Equal(400, (int)response.StatusCode);
            Assert.Equal("AiJob in version \"v1\" cannot be handled as a AiJob: strict decoding error: duplicate field \"spec.priority\"",
                answer["message"]!.GetValue<string>());
            return;
        }
        Assert.Equal(201, (int)response.StatusCode);
        Assert.Equal("high", answer["spec"]!["priority"]!.GetValue<string>());
        var warnings = response.Headers.TryGetValues("Warning", out var values) ? values.ToList() : [];
        if (validation == "Warn") Assert.Equal(["299 - \"duplicate field \\\"spec.priority\\\"\""], warnings);
        else Assert.Empty(warnings);
    }
}
