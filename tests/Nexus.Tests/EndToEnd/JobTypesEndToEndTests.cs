using System.Text.Json.Nodes;

namespace Nexus.Tests.EndToEnd;

/// <summary>REST dispatch → AiJob → operator → real Python worker → status → GET returns the result, per job type.</summary>
[Collection(PlatformCollection.Name)]
public sealed class JobTypesEndToEndTests(PlatformStack stack)
{
    public static TheoryData<string, string> JobsFromTheSpec => new()
    {
        { "pricing_recalculate", """{"skus": ["SKU-001", "SKU-002"], "marketplace": "amazon_us", "apply": false}""" },
        { "competitor_scan", """{"skus": ["SKU-001"], "marketplace": "amazon_us"}""" },
        { "review_sentiment", """{"skus": ["SKU-001", "SKU-002"], "marketplace": "amazon_us"}""" },
        { "return_classify", """{"skus": ["SKU-001", "SKU-002"], "marketplace": "amazon_us"}""" },
        { "llm_visibility_score", """{"skus": ["SKU-001"], "marketplace": "amazon_us"}""" },
        { "listing_optimize", """{"skus": ["SKU-001"], "marketplace": "amazon_us"}""" },
    };

    [Theory]
    [MemberData(nameof(JobsFromTheSpec))]
    public async Task Dispatched_job_completes_with_its_result(string type, string paramsJson)
    {
        using var api = new JobsApi(stack.Gateway, stack.ApiKey, stack.Tenant);
        var (status, accepted) = await api.DispatchAsync(new { type, @params = JsonNode.Parse(paramsJson), priority = "normal" });

        Assert.Equal(202, (int)status);
        var data = accepted!["data"]!;
        Assert.Matches("^job_[0-9A-Z]{26}$", data["id"]!.GetValue<string>());
        Assert.Equal(type, data["type"]!.GetValue<string>());
        Assert.Equal("queued", data["status"]!.GetValue<string>());
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(paramsJson), data["params"]));
        Assert.Matches(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$", data["created_at"]!.GetValue<string>());
        Assert.Matches(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$", data["estimated_completion_at"]!.GetValue<string>());

        var done = await api.WaitTerminalAsync(data["id"]!.GetValue<string>());
        Assert.True(done["status"]!.GetValue<string>() == "completed", $"job ended {done}\n{stack.Output}");
        Assert.IsType<JsonObject>(done["result"]);
        Assert.True(done["duration_seconds"]!.GetValue<int>() >= 0);
        Assert.Matches(@"\.\d{3}Z$", done["started_at"]!.GetValue<string>());
        Assert.Matches(@"\.\d{3}Z$", done["completed_at"]!.GetValue<string>());
        if (type == "pricing_recalculate") AssertPricingResult(done["result"]!);
    }

    /// <summary>The shape of the spec's completed pricing example, field by field.</summary>
    private static void AssertPricingResult(JsonNode result)
    {
        Assert.Equal(2, result["processed_count"]!.GetValue<int>());
        Assert.InRange(result["updated_count"]!.GetValue<int>(), 0, 2);
        var recommendations = result["recommendations"]!.AsArray();
        Assert.Equal(["SKU-001", "SKU-002"], recommendations.Select(r => r!["sku"]!.GetValue<string>()));
        foreach (var r in recommendations)
        {
            Assert.True(r!["current_price"]!.GetValue<double>() > 0);
            Assert.True(r["recommended_price"]!.GetValue<double>() > 0);
            Assert.InRange(r["confidence"]!.GetValue<double>(), 0, 1);
            Assert.False(r["applied"]!.GetValue<bool>());
        }
    }
}
