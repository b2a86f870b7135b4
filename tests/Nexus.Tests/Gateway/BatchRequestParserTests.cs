using System.Text.Json;
using Nexus.Gateway.Outcomes;
using Nexus.Gateway.Validation;

namespace Nexus.Tests.Gateway;

public class BatchRequestParserTests
{
    private const string Job = """{"type":"competitor_scan","params":{"skus":["SKU-001"],"marketplace":"amazon_us"}}""";

    private static (BatchRequest? Batch, Rejection? Error) Parse(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return BatchRequestParser.Parse(doc.RootElement);
    }

    [Fact]
    public void The_spec_example_is_accepted_sequential()
    {
        var (batch, error) = Parse("""
            {"jobs":[{"type":"competitor_scan","params":{"skus":["SKU-001"],"marketplace":"amazon_us"}},
                     {"type":"pricing_recalculate","params":{"skus":["SKU-001"],"marketplace":"amazon_us","apply":true}}],
             "sequential":true}
            """);
        Assert.Null(error);
        Assert.True(batch!.Sequential);
        Assert.Equal(["competitor_scan", "pricing_recalculate"], batch.Jobs.Select(j => j.Type));
    }

    [Fact]
    public void Parallel_is_the_default()
    {
        Assert.False(Parse($$$"""{"jobs":[{{{Job}}}]}""").Batch!.Sequential);
    }

    [Fact]
    public void Twenty_jobs_fit_and_twenty_one_are_BATCH_TOO_LARGE()
    {
        Assert.Null(Parse($$$"""{"jobs":[{{{string.Join(",", Enumerable.Repeat(Job, 20))}}}]}""").Error);
        var (_, error) = Parse($$$"""{"jobs":[{{{string.Join(",", Enumerable.Repeat(Job, 21))}}}]}""");
        Assert.Equal(ErrorCodes.BatchTooLarge, error!.Code);
        Assert.Equal(422, new Nexus.Gateway.Api.ApiError(error).Status);
    }

    [Theory]
    [InlineData("""{"jobs":[]}""")]
    [InlineData("""{}""")]
    [InlineData("""{"jobs":{}}""")]
    [InlineData("""{"jobs":[{"type":"competitor_scan"}],"sequential":"yes"}""")]
    [InlineData("""{"jobs":[],"priority":"high"}""")]
    public void Malformed_batches_are_INVALID_REQUEST(string json)
    {
        Assert.Equal(ErrorCodes.InvalidRequest, Parse(json).Error!.Code);
    }

    [Fact]
    public void Item_errors_name_the_item_and_keep_the_first_items_code()
    {
        var (_, error) = Parse($$$"""{"jobs":[{{{Job}}},{"type":"competitor_scan","params":{"skus":[],"marketplace":"amazon_us\n"}},{"type":"nope"}]}""");
        Assert.Equal(ErrorCodes.InvalidParams, error!.Code);
        Assert.Contains(error.Details!, d => d.Field == "jobs[1].params.skus" && d.Rule == "minItems");
        Assert.Contains(error.Details!, d => d.Field == "jobs[1].params.marketplace" && d.Rule == "pattern");
        Assert.Contains(error.Details!, d => d.Field == "jobs[2].type");
    }
}
