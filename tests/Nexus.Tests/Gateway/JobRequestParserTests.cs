using System.Text.Json;
using Nexus.Gateway.Outcomes;
using Nexus.Gateway.Validation;

namespace Nexus.Tests.Gateway;

public class JobRequestParserTests
{
    private static ParseOutcome Parse(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return JobRequestParser.ParseJob(doc.RootElement);
    }

    [Fact]
    public void The_spec_example_is_accepted_with_normal_priority_by_default()
    {
        var outcome = Parse("""{"type":"pricing_recalculate","params":{"skus":["SKU-001","SKU-002"],"marketplace":"amazon_us","apply":false}}""");
        Assert.True(outcome.Ok);
        Assert.Equal("pricing_recalculate", outcome.Job!.Type);
        Assert.Equal("normal", outcome.Job.Priority);
        Assert.Equal(2, outcome.Job.Params.GetProperty("skus").GetArrayLength());
    }

    [Theory]
    [InlineData("""{"type":"teleport","params":{}}""", "type")]
    [InlineData("""{"params":{}}""", "type")]
    [InlineData("""{"type":42}""", "type")]
    public void Unknown_or_missing_type_is_INVALID_JOB_TYPE(string json, string field)
    {
        var outcome = Parse(json);
        Assert.Equal(ErrorCodes.InvalidJobType, outcome.Code);
        Assert.Contains(outcome.Details, d => d.Field == field);
    }

    [Theory]
    [InlineData("\"urgent\"")]
    [InlineData("1")]
    [InlineData("\"HIGH\"")]
    public void Bad_priority_is_INVALID_PRIORITY(string priority)
    {
        var outcome = Parse($$$"""{"type":"competitor_scan","params":{"skus":["A"],"marketplace":"amazon_us"},"priority":{{{priority}}}}""");
        Assert.Equal(ErrorCodes.InvalidPriority, outcome.Code);
    }

    [Theory]
    [InlineData("""{"skus":[],"marketplace":"amazon_us"}""", "params.skus", "minItems")]
    [InlineData("""{"skus":"SKU-1","marketplace":"amazon_us"}""", "params.skus", "type")]
    [InlineData("""{"skus":["ok",7],"marketplace":"amazon_us"}""", "params.skus[1]", "type")]
    [InlineData("""{"skus":["has space"],"marketplace":"amazon_us"}""", "params.skus[0]", "pattern")]
    [InlineData("""{"skus":["A"],"marketplace":"Mars Central"}""", "params.marketplace", "pattern")]
    [InlineData("""{"skus":["A"],"marketplace":null}""", "params.marketplace", "type")]
    [InlineData("""{"skus":["A"],"marketplace":"amazon_us","apply":"yes"}""", "params.apply", "type")]
    [InlineData("""{"skus":["A"],"marketplace":"amazon_us","sku":"typo"}""", "params.sku", "additionalProperties")]
    public void Params_are_checked_per_type_with_field_level_details(string parameters, string field, string rule)
    {
        var outcome = Parse($$$"""{"type":"pricing_recalculate","params":{{{parameters}}}}""");
        Assert.Equal(ErrorCodes.InvalidParams, outcome.Code);
        Assert.Contains(outcome.Details, d => d.Field == field && d.Rule == rule);
    }

    [Theory]
    [InlineData("""{"skus":["SKU-001\n"]}""", "params.skus[0]")]
    [InlineData("""{"marketplace":"amazon_us\n"}""", "params.marketplace")]
    [InlineData("""{"as_of":"2026-03-12\n"}""", "params.as_of")]
    public void A_trailing_newline_does_not_pass_a_pattern_as_in_the_workers(string parameters, string field)
    {
        // .NET's `$` also matches before a final newline; the schema's patterns are ECMA-262 (and the models' \Z).
        var outcome = Parse($$$"""{"type":"return_classify","params":{{{parameters}}}}""");
        Assert.Equal(ErrorCodes.InvalidParams, outcome.Code);
        Assert.Contains(outcome.Details, d => d.Field == field && d.Rule == "pattern");
    }

    [Fact]
    public void A_params_error_names_the_field_the_rule_the_schemas_limit_and_the_bad_value()
    {
        var outcome = Parse("""{"type":"pricing_recalculate","params":{"skus":["SKU-1","has space"],"max_change":0.9,"surprise":true}}""");
        Assert.Equal(ErrorCodes.InvalidParams, outcome.Code);
        var pattern = outcome.Details.Single(d => d.Field == "params.skus[1]");
        Assert.Equal("pattern", pattern.Rule);
        Assert.Equal("has space", pattern.Value!.Value.GetString());
        Assert.Equal("must match the pattern ^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$", pattern.Message);
        var bound = outcome.Details.Single(d => d.Field == "params.max_change");
        Assert.Equal(("maximum", "must be at most 0.5", 0.9), (bound.Rule, bound.Message, bound.Value!.Value.GetDouble()));
        var unknown = outcome.Details.Single(d => d.Field == "params.surprise");
        Assert.Equal("additionalProperties", unknown.Rule);
        Assert.StartsWith("unknown parameter for pricing_recalculate; allowed: skus, marketplace, apply", unknown.Message);
        Assert.Equal(3, outcome.Details.Count);
        Assert.Contains($"{outcome.Details[0].Field}: {outcome.Details[0].Message}", outcome.ToRejection().Message);
    }

    [Theory]
    [InlineData("pricing_recalculate", """{"skus":["A/B"],"marketplace":"amazon_us"}""", "params.skus[0]")]
    [InlineData("pricing_recalculate", """{"skus":["A"],"marketplace":"amazon_us","max_change":0}""", "params.max_change")]
    [InlineData("pricing_recalculate", """{"skus":["A"],"marketplace":"amazon_us","min_margin":"0.2"}""", "params.min_margin")]
    [InlineData("return_classify", """{"alpha":0.5}""", "params.alpha")]
    [InlineData("return_classify", """{"as_of":"2026-03-12T00:00:00Z"}""", "params.as_of")]
    [InlineData("return_classify", """{"as_of":"2026-02-30"}""", "params.as_of")]
    [InlineData("return_classify", """{"window_days":6}""", "params.window_days")]
    [InlineData("return_classify", """{"window_days":7.5}""", "params.window_days")]
    [InlineData("llm_visibility_score", """{"skus":["A"],"providers":[]}""", "params.providers")]
    [InlineData("llm_visibility_score", """{"skus":["A"],"providers":[3]}""", "params.providers[0]")]
    [InlineData("listing_optimize", """{"skus":["A"],"assistant":7}""", "params.assistant")]
    [InlineData("review_sentiment", """{"rescore":1}""", "params.rescore")]
    public void Worker_options_are_checked_with_the_workers_bounds(string type, string parameters, string field)
    {
        var outcome = Parse($$$"""{"type":"{{{type}}}","params":{{{parameters}}}}""");
        Assert.Equal(ErrorCodes.InvalidParams, outcome.Code);
        Assert.Contains(outcome.Details, d => d.Field == field);
    }

    [Theory]
    [InlineData("pricing_recalculate", """{"skus":["A"],"marketplace":"amazon_us","max_change":0.5,"min_margin":0,"competitor_band":1}""")]
    [InlineData("pricing_recalculate", """{"marketplace":"walmart_us"}""")]
    [InlineData("competitor_scan", """{"skus":["A","A"]}""")]
    [InlineData("return_classify", """{"as_of":"2026-03-12","alpha":0.01,"baseline_days":730,"window_days":28.0}""")]
    [InlineData("return_classify", """{"as_of":null,"skus":null}""")]
    [InlineData("listing_optimize", """{"skus":["A"],"use_assistant":false,"assistant":"demo","max_missing_terms":10}""")]
    public void What_the_workers_accept_is_accepted(string type, string parameters)
    {
        var outcome = Parse($$$"""{"type":"{{{type}}}","params":{{{parameters}}}}""");
        Assert.True(outcome.Ok, string.Join("; ", outcome.Details.Select(d => $"{d.Field}: {d.Message}")));
    }

    [Fact]
    public void More_skus_than_the_schemas_maxItems_are_refused_and_exactly_that_many_accepted()
    {
        var max = JobParamsSchemas.Of("llm_visibility_score").Document.GetProperty("properties").GetProperty("skus").GetProperty("maxItems").GetInt32();
        string Body(int n) => $$$"""{"type":"llm_visibility_score","params":{"skus":[{{{string.Join(",", Enumerable.Range(0, n).Select(i => $"\"SKU-{i}\""))}}}]}}""";
        var outcome = Parse(Body(max + 1));
        Assert.Equal(ErrorCodes.InvalidParams, outcome.Code);
        Assert.Equal($"must contain at most {max} items, got {max + 1}", outcome.Details.Single().Message);
        Assert.True(Parse(Body(max)).Ok);
    }

    [Theory]
    [InlineData("""[1,2]""")]
    [InlineData("""{"type":"review_sentiment","params":{"skus":["A"]},"extra":1}""")]
    public void Wrong_shapes_are_INVALID_REQUEST(string json)
    {
        Assert.Equal(ErrorCodes.InvalidRequest, Parse(json).Code);
    }

    [Fact]
    public void Params_that_are_not_an_object_are_INVALID_PARAMS()
    {
        var outcome = Parse("""{"type":"review_sentiment","params":[1]}""");
        Assert.Equal(ErrorCodes.InvalidParams, outcome.Code);
        Assert.Equal(("params", "type"), (outcome.Details.Single().Field, outcome.Details.Single().Rule));
    }

    [Fact]
    public void Every_job_type_has_a_schema_and_accepts_skus_with_a_marketplace()
    {
        foreach (var type in Nexus.Crds.Entities.JobTypes.All)
        {
            Assert.True(JobParamsSchemas.ByType.ContainsKey(type), type);
            var outcome = Parse($$$"""{"type":"{{{type}}}","params":{"skus":["SKU-001"],"marketplace":"amazon_us"}}""");
            Assert.True(outcome.Ok, $"{type}: {string.Join("; ", outcome.Details.Select(d => d.Field + " " + d.Message))}");
        }
    }

    [Fact]
    public void Return_classify_needs_no_params()
    {
        var outcome = Parse("""{"type":"return_classify"}""");
        Assert.True(outcome.Ok);
        Assert.Equal(JsonValueKind.Object, outcome.Job!.Params.ValueKind);
    }
}
