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
    [InlineData("""{"skus":[],"marketplace":"amazon_us"}""", "params.skus")]
    [InlineData("""{"skus":"SKU-1","marketplace":"amazon_us"}""", "params.skus")]
    [InlineData("""{"skus":["ok",7],"marketplace":"amazon_us"}""", "params.skus[1]")]
    [InlineData("""{"skus":["has space"],"marketplace":"amazon_us"}""", "params.skus[0]")]
    [InlineData("""{"skus":["A","A"],"marketplace":"amazon_us"}""", "params.skus[1]")]
    [InlineData("""{"skus":["A"],"marketplace":"mars_central"}""", "params.marketplace")]
    [InlineData("""{"skus":["A"]}""", "params.marketplace")]
    [InlineData("""{"marketplace":"amazon_us"}""", "params.skus")]
    [InlineData("""{"skus":["A"],"marketplace":"amazon_us","apply":"yes"}""", "params.apply")]
    [InlineData("""{"skus":["A"],"marketplace":"amazon_us","sku":"typo"}""", "params.sku")]
    public void Params_are_checked_per_type_with_field_level_details(string parameters, string field)
    {
        var outcome = Parse($$$"""{"type":"pricing_recalculate","params":{{{parameters}}}}""");
        Assert.Equal(ErrorCodes.InvalidParams, outcome.Code);
        Assert.Contains(outcome.Details, d => d.Field == field);
    }

    [Theory]
    [InlineData("pricing_recalculate", """{"skus":["A/B"],"marketplace":"amazon_us"}""", "params.skus[0]")]
    [InlineData("pricing_recalculate", """{"skus":["A"],"marketplace":"amazon_us","max_change":0}""", "params.max_change")]
    [InlineData("pricing_recalculate", """{"skus":["A"],"marketplace":"amazon_us","min_margin":"0.2"}""", "params.min_margin")]
    [InlineData("return_classify", """{"alpha":0.5}""", "params.alpha")]
    [InlineData("return_classify", """{"as_of":"2026-03-12T00:00:00Z"}""", "params.as_of")]
    [InlineData("return_classify", """{"window_days":6}""", "params.window_days")]
    [InlineData("llm_visibility_score", """{"skus":["A"],"providers":["Not Valid"]}""", "params.providers[0]")]
    [InlineData("listing_optimize", """{"skus":["A"],"assistant":7}""", "params.assistant")]
    public void Worker_options_are_checked_with_the_workers_bounds(string type, string parameters, string field)
    {
        var outcome = Parse($$$"""{"type":"{{{type}}}","params":{{{parameters}}}}""");
        Assert.Equal(ErrorCodes.InvalidParams, outcome.Code);
        Assert.Contains(outcome.Details, d => d.Field == field);
    }

    [Theory]
    [InlineData("pricing_recalculate", """{"skus":["A"],"marketplace":"amazon_us","max_change":0.5,"min_margin":0,"competitor_band":1}""")]
    [InlineData("return_classify", """{"as_of":"2026-03-12","alpha":0.01,"baseline_days":730}""")]
    [InlineData("listing_optimize", """{"skus":["A"],"use_assistant":false,"assistant":"demo","max_missing_terms":10}""")]
    public void Worker_options_within_bounds_are_accepted(string type, string parameters)
    {
        var outcome = Parse($$$"""{"type":"{{{type}}}","params":{{{parameters}}}}""");
        Assert.True(outcome.Ok, string.Join("; ", outcome.Details.Select(d => $"{d.Field}: {d.Message}")));
    }

    [Fact]
    public void More_than_500_skus_are_refused()
    {
        var skus = string.Join(",", Enumerable.Range(0, 501).Select(i => $"\"SKU-{i}\""));
        var outcome = Parse($$$"""{"type":"competitor_scan","params":{"skus":[{{{skus}}}],"marketplace":"amazon_us"}}""");
        Assert.Equal(ErrorCodes.InvalidParams, outcome.Code);
        Assert.Contains("at most 500", outcome.Details.Single().Message);
    }

    [Fact]
    public void Exactly_500_skus_are_accepted()
    {
        var skus = string.Join(",", Enumerable.Range(0, 500).Select(i => $"\"SKU-{i}\""));
        Assert.True(Parse($$$"""{"type":"competitor_scan","params":{"skus":[{{{skus}}}],"marketplace":"amazon_us"}}""").Ok);
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
        Assert.Equal(ErrorCodes.InvalidParams, Parse("""{"type":"review_sentiment","params":[1]}""").Code);
    }

    [Fact]
    public void Every_job_type_has_a_schema_and_accepts_skus_with_a_marketplace()
    {
        foreach (var type in Nexus.Crds.Entities.JobTypes.All)
        {
            Assert.True(JobParamSchemas.ByType.ContainsKey(type), type);
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
