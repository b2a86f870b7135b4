using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Nexus.Gateway.Validation;
using Nexus.KubeApiServer;
using Nexus.Tests.EndToEnd;
using Nexus.Tests.Support;

namespace Nexus.Tests.Crds;

/// <summary>
/// <c>kubectl apply</c> of an AiJob with bad params fails with the same field messages the REST API gives for the same
/// params: the gateway's messages come from its own validator (JobParamsSchemas), kubectl's from the CRD's CEL rules as
/// the Kubernetes API stand-in enforces them.
/// </summary>
public sealed class CrdParamsMatchGatewayTests : IAsyncLifetime
{
    private KubeApiServer.KubeApiServer _server = null!;
    private Kubectl _kubectl = null!;

    public async Task InitializeAsync()
    {
        _server = await KubeApiServer.KubeApiServer.StartAsync(new KubeApiServerOptions { CrdPaths = { RepoPaths.Of("crds") } });
        _kubectl = new Kubectl(_server.KubeconfigPath);
    }

    public async Task DisposeAsync()
    {
        _kubectl.Dispose();
        await _server.DisposeAsync();
    }

    [Theory]
    [InlineData("competitor_scan", """{"skus":["SKU-1","bad sku!"],"marketplace":"X","apply":true}""")]
    [InlineData("pricing_recalculate", """{"min_margin":6,"max_change":0,"apply":true,"skus":[]}""")]
    [InlineData("return_classify", """{"window_days":3,"as_of":"2026-01-31","alpha":0.5,"rescore":true}""")]
    [InlineData("llm_visibility_score", """{"prompts_per_sku":5,"providers":[],"marketplace":"amazon_us_and_a_very_long_marketplace"}""")]
    [InlineData("listing_optimize", """{"max_missing_terms":0,"assistant":"-bad","use_assistant":true}""")]
    [InlineData("review_sentiment", """{"top_aspects":11,"max_reviews_in_result":-1,"window_days":7}""")]
    public async Task Kubectl_apply_of_bad_params_gives_the_gateways_field_messages(string type, string parameters)
    {
        using var document = JsonDocument.Parse(parameters);
        var gateway = JobParamsSchemas.Of(type).Check(document.RootElement, "params");
        Assert.NotEmpty(gateway);

        var name = "bad-" + type.Replace('_', '-');
        var manifest = new JsonObject
        {
            ["apiVersion"] = "nexus.ai/v1",
            ["kind"] = "AiJob",
            ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = "default" },
            ["spec"] = new JsonObject { ["type"] = type, ["tenant"] = "acme", ["params"] = JsonNode.Parse(parameters) },
        };
        var (code, _, stderr) = await _kubectl.RunAsync(manifest.ToJsonString(), "apply", "-f", "-");
        Assert.NotEqual(0, code);
        Assert.Contains($"The AiJob \"{name}\" is invalid", stderr);
        // kubectl prints one "* field: message" line per cause when there are several, the cause inline when one.
        var causes = Regex.Matches(stderr, @"spec\.(\S+): Invalid value: ""\w+"": ([^\n]+?)(?=\n|$)")
            .Select(m => (Field: m.Groups[1].Value, Message: m.Groups[2].Value.TrimEnd())).ToList();
        var expected = gateway.Select(e => (e.Field, e.Message)).OrderBy(e => e.Field, StringComparer.Ordinal).ThenBy(e => e.Message, StringComparer.Ordinal).ToList();
        var actual = causes.OrderBy(e => e.Field, StringComparer.Ordinal).ThenBy(e => e.Message, StringComparer.Ordinal).ToList();
        Assert.True(expected.SequenceEqual(actual),
            $"gateway:\n{string.Join("\n", expected)}\nkubectl:\n{stderr}");
    }
}
