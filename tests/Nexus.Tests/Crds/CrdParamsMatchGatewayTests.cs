using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Nexus.Crds.Entities;
using Nexus.Crds.Schema;
using Nexus.Gateway.Outcomes;
using Nexus.Gateway.Validation;
using Nexus.KubeApiServer;
using Nexus.Tests.EndToEnd;
using Nexus.Tests.Support;

namespace Nexus.Tests.Crds;

/// <summary>
/// <c>kubectl apply</c> of an AiJob with bad params fails with the same field messages the REST API gives for the same
/// params: the gateway's messages come from its own validator (JobParamsSchemas), kubectl's from the CRD's CEL rules as
/// the Kubernetes API stand-in enforces them; the same for each job of an AiJobBatch. A param no job type declares is
/// refused by both at the same field, in each one's words (the API server's unknown field under kubectl's default
/// --validate=strict).
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
        var gateway = Gateway(type, parameters, "params");
        Assert.NotEmpty(gateway);
        var name = "bad-" + type.Replace('_', '-');
        await AssertSameCausesAsync(Job(name, type, JsonNode.Parse(parameters)), "AiJob", name, gateway);
    }

    [Theory]
    [InlineData("2026-02-30")]
    [InlineData("2023-02-29")]
    [InlineData("1900-02-29")]
    [InlineData("2026-04-31")]
    [InlineData("2026-13-01")]
    [InlineData("2026-00-10")]
    [InlineData("2026-01-00")]
    [InlineData("0000-01-01")]
    [InlineData("2026-1-5")]
    [InlineData("26-01-2026")]
    public async Task A_date_that_is_not_on_the_calendar_gets_the_gateways_message(string asOf)
    {
        var parameters = $$"""{"as_of":"{{asOf}}"}""";
        var gateway = Gateway(JobTypes.ReturnClassify, parameters, "params");
        Assert.Contains(gateway, e => e is { Field: "params.as_of", Message: ParamsMessages.CalendarDate });
        await AssertSameCausesAsync(Job("bad-date", JobTypes.ReturnClassify, JsonNode.Parse(parameters)), "AiJob", "bad-date", gateway);
    }

    [Theory]
    [InlineData("2024-02-29")]
    [InlineData("2000-02-29")]
    [InlineData("2026-12-31")]
    [InlineData("2026-04-30")]
    [InlineData("0001-01-01")]
    [InlineData("9999-12-31")]
    public async Task A_calendar_date_is_accepted_by_both(string asOf)
    {
        var parameters = $$"""{"as_of":"{{asOf}}"}""";
        Assert.Empty(Gateway(JobTypes.ReturnClassify, parameters, "params"));
        var name = "date-" + asOf;
        await _kubectl.OkAsync(Job(name, JobTypes.ReturnClassify, JsonNode.Parse(parameters)).ToJsonString(), "apply", "-f", "-");
        Assert.Equal(asOf, await _kubectl.OkAsync(null, "get", "aij", name, "-o", "jsonpath={.spec.params.as_of}"));
    }

    [Fact]
    public async Task A_param_no_job_type_declares_is_refused_by_both_at_the_same_field()
    {
        var gateway = Gateway(JobTypes.PricingRecalculate, """{"skus":["SKU-1"],"bogus":1}""", "params");
        var refusal = Assert.Single(gateway);
        Assert.Equal(("params.bogus", "unknown parameter for pricing_recalculate; allowed: skus, marketplace, apply, min_margin, "
                                      + "max_change, competitor_band, min_uplift"), (refusal.Field, refusal.Message));
        // kubectl's default --validate=strict: the API server refuses an undeclared field before any rule runs.
        var (code, _, stderr) = await _kubectl.RunAsync(Job("bogus", JobTypes.PricingRecalculate, JsonNode.Parse("""{"skus":["SKU-1"],"bogus":1}""")).ToJsonString(), "apply", "-f", "-");
        Assert.NotEqual(0, code);
        Assert.Contains("Error from server (BadRequest)", stderr);
        Assert.Contains("strict decoding error: unknown field \"spec.params.bogus\"", stderr);
        Assert.NotEqual(0, (await _kubectl.RunAsync(null, "get", "aij", "bogus")).ExitCode);
    }

    [Fact]
    public async Task The_workers_test_hook_is_kept_by_the_crd_and_refused_over_rest()
    {
        const string parameters = """{"skus":["SKU-1"],"_simulate":{"sleep_seconds":3,"fail":{"code":"FLAKY","until_attempt":2}}}""";
        foreach (var type in JobTypes.All)
        {
            var gateway = Gateway(type, parameters, "params");
            var refusal = Assert.Single(gateway);
            Assert.Equal(("params._simulate", "additionalProperties"), (refusal.Field, refusal.Rule));
            Assert.StartsWith($"unknown parameter for {type}; allowed: ", refusal.Message);
        }
        // The REST API's own parse of a dispatch body: INVALID_PARAMS at params._simulate.
        using (var dispatch = JsonDocument.Parse($$"""{"type":"listing_optimize","params":{{parameters}}}"""))
        {
            var outcome = JobRequestParser.ParseJob(dispatch.RootElement);
            Assert.Equal(ErrorCodes.InvalidParams, outcome.Code);
            Assert.Equal(["params._simulate"], outcome.Details.Select(d => d.Field).ToList());
        }
        await _kubectl.OkAsync(Job("simulated", JobTypes.ListingOptimize, JsonNode.Parse(parameters)).ToJsonString(), "apply", "-f", "-");
        Assert.Equal("""{"fail":{"code":"FLAKY","until_attempt":2},"sleep_seconds":3}""",
            await _kubectl.OkAsync(null, "get", "aij", "simulated", "-o", "jsonpath={.spec.params._simulate}"));
    }

    [Fact]
    public async Task Kubectl_apply_of_a_batch_with_bad_params_gives_the_gateways_messages_for_each_job()
    {
        const string good = """{"skus":["SKU-1"]}""";
        const string sentiment = """{"top_aspects":11,"window_days":7}""";
        const string scan = """{"skus":["bad sku!"],"rescore":true}""";
        var gateway = Gateway(JobTypes.ReviewSentiment, sentiment, "jobs[1].params")
            .Concat(Gateway(JobTypes.CompetitorScan, scan, "jobs[2].params")).ToList();
        Assert.Equal(4, gateway.Count);
        var batch = new JsonObject
        {
            ["apiVersion"] = "nexus.ai/v1",
            ["kind"] = "AiJobBatch",
            ["metadata"] = new JsonObject { ["name"] = "bad-batch", ["namespace"] = "default" },
            ["spec"] = new JsonObject
            {
                ["tenant"] = "acme",
                ["jobs"] = new JsonArray(
                    new JsonObject { ["type"] = JobTypes.PricingRecalculate, ["params"] = JsonNode.Parse(good) },
                    new JsonObject { ["type"] = JobTypes.ReviewSentiment, ["params"] = JsonNode.Parse(sentiment) },
                    new JsonObject { ["type"] = JobTypes.CompetitorScan, ["params"] = JsonNode.Parse(scan) }),
            },
        };
        await AssertSameCausesAsync(batch, "AiJobBatch", "bad-batch", gateway);

        batch["spec"]!["jobs"]!.AsArray().RemoveAt(2);
        batch["spec"]!["jobs"]!.AsArray().RemoveAt(1);
        await _kubectl.OkAsync(batch.ToJsonString(), "apply", "-f", "-");
    }

    private static List<FieldError> Gateway(string type, string parameters, string path)
    {
        using var document = JsonDocument.Parse(parameters);
        return JobParamsSchemas.Of(type).Check(document.RootElement, path);
    }

    private static JsonObject Job(string name, string type, JsonNode? parameters) => new()
    {
        ["apiVersion"] = "nexus.ai/v1",
        ["kind"] = "AiJob",
        ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = "default" },
        ["spec"] = new JsonObject { ["type"] = type, ["tenant"] = "acme", ["params"] = parameters },
    };

    /// <summary>kubectl apply fails, naming as causes exactly the gateway's (field, message) pairs under spec.</summary>
    private async Task AssertSameCausesAsync(JsonObject manifest, string kind, string name, List<FieldError> gateway)
    {
        var (code, _, stderr) = await _kubectl.RunAsync(manifest.ToJsonString(), "apply", "-f", "-");
        Assert.NotEqual(0, code);
        Assert.Contains($"The {kind} \"{name}\" is invalid", stderr);
        // kubectl prints one "* field: message" line per cause when there are several, the cause inline when one.
        var causes = Regex.Matches(stderr, @"spec\.(\S+): Invalid value: ""\w+"": ([^\n]+?)(?=\n|$)")
            .Select(m => (Field: m.Groups[1].Value, Message: m.Groups[2].Value.TrimEnd())).ToList();
        var expected = gateway.Select(e => (e.Field, e.Message)).OrderBy(e => e.Field, StringComparer.Ordinal).ThenBy(e => e.Message, StringComparer.Ordinal).ToList();
        var actual = causes.OrderBy(e => e.Field, StringComparer.Ordinal).ThenBy(e => e.Message, StringComparer.Ordinal).ToList();
        Assert.True(expected.SequenceEqual(actual),
            $"gateway:\n{string.Join("\n", expected)}\nkubectl:\n{stderr}");
    }
}
