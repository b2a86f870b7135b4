using System.Text.Json.Nodes;
using Nexus.Tests.Support;

namespace Nexus.Tests.Gateway;

/// <summary>
/// The committed api-gateway/openapi/openapi.json (what Spectral lints and the dashboard's types are generated from)
/// is the document the gateway serves. `make openapi-document` rewrites it (NEXUS_UPDATE_OPENAPI=1).
/// </summary>
public sealed class OpenApiDocumentTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private static readonly string Committed = RepoPaths.Of("api-gateway", "openapi", "openapi.json");

    [Fact]
    public async Task The_committed_document_is_the_served_one()
    {
        var answer = await fixture.Harness.GetAsync("/openapi/v1.json", null);
        Assert.True(answer.Status == 200, answer.Text);
        var served = answer.Text;
        if (Environment.GetEnvironmentVariable("NEXUS_UPDATE_OPENAPI") == "1") await File.WriteAllTextAsync(Committed, served + "\n");
        Assert.True(File.Exists(Committed), "api-gateway/openapi/openapi.json is missing; run make openapi-document");
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(served), JsonNode.Parse(await File.ReadAllTextAsync(Committed))),
            "api-gateway/openapi/openapi.json differs from the served document; run make openapi-document");
    }
}
