using System.Globalization;
using System.Text.Json.Nodes;

namespace Nexus.Tests.EndToEnd;

/// <summary>
/// REST dispatch → AiJob → operator → real Python worker → status → GET returns the result, per job type; each
/// result is checked for the fields its worker writes (workers/nexus_worker/jobs) and for what they mean.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class JobTypesEndToEndTests(PlatformStack stack)
{
    public static TheoryData<string, string> JobsFromTheSpec => new()
    {
        { "pricing_recalculate", """{"skus": ["SKU-001", "SKU-002"], "marketplace": "amazon_us", "apply": false}""" },
        { "competitor_scan", """{"skus": ["SKU-001"], "marketplace": "amazon_us"}""" },
        // rescore: the demo tenant's reviews stay scored after a first run; without it a rerun would score none.
        { "review_sentiment", """{"skus": ["SKU-001", "SKU-002"], "marketplace": "amazon_us", "rescore": true}""" },
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
        var started = Time(done["started_at"]);
        var completed = Time(done["completed_at"]);
        Assert.True(completed >= started, $"completed_at before started_at: {done}");
        // duration_seconds is the rounded span between the two times shown (each truncated to the millisecond).
        var span = (completed - started).TotalSeconds;
        Assert.Contains(done["duration_seconds"]!.GetValue<int>(), new[] { Round(span - 0.001), Round(span + 0.001) });

        var result = Assert.IsType<JsonObject>(done["result"]);
        var skus = JsonNode.Parse(paramsJson)!["skus"]!.AsArray().Select(s => s!.GetValue<string>()).ToArray();
        switch (type)
        {
            case "pricing_recalculate": AssertPricing(result, skus); break;
            case "competitor_scan": AssertCompetitorScan(result, skus); break;
            case "review_sentiment": AssertSentiment(result, skus); break;
            case "return_classify": AssertReturns(result, skus); break;
            case "llm_visibility_score": AssertVisibility(result, skus); break;
            case "listing_optimize": AssertListing(result, skus); break;
            default: Assert.Fail($"no result check for {type}"); break;
        }
    }

    /// <summary>One recommendation per requested SKU, in order; updated_count counts the prices that would change.</summary>
    private static void AssertPricing(JsonObject result, string[] skus)
    {
        var recommendations = result["recommendations"]!.AsArray();
        Assert.Equal(skus, recommendations.Select(r => r!["sku"]!.GetValue<string>()));
        Assert.Equal(skus.Length, result["processed_count"]!.GetValue<int>());
        var changed = 0;
        foreach (var r in recommendations)
        {
            var current = r!["current_price"]!.GetValue<double>();
            var recommended = r["recommended_price"]!.GetValue<double>();
            Assert.True(current > 0, $"current_price {current}");
            Assert.True(recommended > 0, $"recommended_price {recommended}");
            Assert.InRange(r["confidence"]!.GetValue<double>(), 0, 1);
            Assert.False(string.IsNullOrWhiteSpace(r["reasoning"]!.GetValue<string>()));
            Assert.False(r["applied"]!.GetValue<bool>()); // apply: false
            if (recommended != current) changed++;
        }
        Assert.Equal(changed, result["updated_count"]!.GetValue<int>());
        // The demo catalogue's SKU-001 sells at 14.99.
        Assert.Equal(14.99, recommendations[0]!["current_price"]!.GetValue<double>());
    }

    /// <summary>Offers sorted by landed price; the lowest, our rank and the buy-box share follow from them.</summary>
    private static void AssertCompetitorScan(JsonObject result, string[] skus)
    {
        Assert.Equal("amazon_us", result["marketplace"]!.GetValue<string>());
        Time(result["scanned_at"]);
        var rows = result["skus"]!.AsArray();
        Assert.Equal(skus, rows.Select(r => r!["sku"]!.GetValue<string>()));
        Assert.Equal(skus.Length, result["scanned_count"]!.GetValue<int>());
        foreach (var row in rows)
        {
            var offers = row!["offers"]!.AsArray();
            Assert.NotEmpty(offers); // the demo catalogue pins competitor offers for SKU-001
            Assert.Equal(offers.Count, row["offer_count"]!.GetValue<int>());
            var landed = offers.Select(o => o!["landed_price"]!.GetValue<double>()).ToList();
            Assert.Equal(landed.Order(), landed);
            foreach (var o in offers)
                Assert.Equal(Math.Round(o!["price"]!.GetValue<double>() + o["shipping"]!.GetValue<double>(), 2), o["landed_price"]!.GetValue<double>(), 2);
            Assert.Equal(landed[0], row["lowest_price"]!.GetValue<double>());
            Assert.Equal(offers[0]!["seller"]!.GetValue<string>(), row["lowest_seller"]!.GetValue<string>());
            var ours = row["our_price"]!.GetValue<double>();
            Assert.Equal(1 + landed.Count(p => p < ours - 1e-9), row["our_rank"]!.GetValue<int>());
            var buyBox = row["buy_box"]!;
            Assert.InRange(buyBox["our_share_estimate"]!.GetValue<double>(), 0, 1);
            Assert.Equal(buyBox["likely_winner"]!.GetValue<string>() == "us", buyBox["we_win"]!.GetValue<bool>());
        }
    }

    /// <summary>Every review of the SKUs is scored; per-SKU counts add up, scores and shares stay in range.</summary>
    private static void AssertSentiment(JsonObject result, string[] skus)
    {
        var rows = result["skus"]!.AsArray();
        Assert.Equal(skus, rows.Select(r => r!["sku"]!.GetValue<string>()));
        var scored = result["scored_count"]!.GetValue<int>();
        Assert.Equal(scored, rows.Sum(r => r!["reviews_scored"]!.GetValue<int>()));
        foreach (var row in rows)
        {
            var n = row!["reviews_scored"]!.GetValue<int>();
            Assert.True(n > 0, $"no review of {row["sku"]} scored (the demo catalogue seeds reviews for every SKU)");
            var positive = row["positive"]!.GetValue<int>();
            Assert.Equal(n, positive + row["negative"]!.GetValue<int>() + row["neutral"]!.GetValue<int>());
            Assert.Equal(Math.Round((double)positive / n, 3), row["positive_share"]!.GetValue<double>(), 3);
            Assert.InRange(row["mean_score"]!.GetValue<double>(), -1, 1);
            Assert.All(row["positive_aspects"]!.AsArray(), a => Assert.True(a!["mean_score"]!.GetValue<double>() > 0));
            Assert.All(row["negative_aspects"]!.AsArray(), a => Assert.True(a!["mean_score"]!.GetValue<double>() < 0));
        }
        var reviews = result["reviews"]!.AsArray();
        Assert.Equal(Math.Min(scored, 200), reviews.Count); // max_reviews_in_result defaults to 200
        Assert.Equal(scored > 200, result["reviews_truncated"]!.GetValue<bool>());
        foreach (var r in reviews)
        {
            Assert.Contains(r!["sku"]!.GetValue<string>(), skus);
            var label = r["label"]!.GetValue<string>();
            Assert.Contains(label, new[] { "positive", "negative", "neutral" });
            var score = r["score"]!.GetValue<double>();
            Assert.InRange(score, -1, 1);
            if (label == "positive") Assert.True(score > 0, $"positive review scored {score}");
            if (label == "negative") Assert.True(score < 0, $"negative review scored {score}");
        }
    }

    private static readonly string[] Taxonomy =
        ["defective", "wrong_item", "not_as_described", "size_fit", "damaged_in_shipping", "changed_mind", "late_delivery", "other"];

    /// <summary>Every return lands in one taxonomy class; the totals per class and per SKU agree with the count.</summary>
    private static void AssertReturns(JsonObject result, string[] skus)
    {
        var classified = result["classified_count"]!.GetValue<int>();
        Assert.True(classified > 0, "the demo catalogue seeds returns for SKU-001 and SKU-002");
        var totals = result["taxonomy_counts"]!.AsObject();
        Assert.Equal(Taxonomy, totals.Select(kv => kv.Key));
        Assert.Equal(classified, totals.Sum(kv => kv.Value!.GetValue<int>()));
        var rows = result["skus"]!.AsArray();
        Assert.Equal(skus, rows.Select(r => r!["sku"]!.GetValue<string>()));
        Assert.Equal(classified, rows.Sum(r => r!["returns"]!.GetValue<int>()));
        foreach (var row in rows)
        {
            var byCategory = row!["by_category"]!.AsObject();
            Assert.All(byCategory, kv => Assert.Contains(kv.Key, Taxonomy));
            Assert.Equal(row["returns"]!.GetValue<int>(), byCategory.Sum(kv => kv.Value!.GetValue<int>()));
        }
        Assert.All(result["returns"]!.AsArray(), r => Assert.Contains(r!["category"]!.GetValue<string>(), Taxonomy));
        var window = result["window"]!;
        var asOf = DateOnly.Parse(window["as_of"]!.GetValue<string>(), CultureInfo.InvariantCulture);
        var current = DateOnly.Parse(window["current_start"]!.GetValue<string>(), CultureInfo.InvariantCulture);
        var baseline = DateOnly.Parse(window["baseline_start"]!.GetValue<string>(), CultureInfo.InvariantCulture);
        Assert.True(baseline < current && current <= asOf, $"window out of order: {window}");
        Assert.Equal("bonferroni", result["method"]!["correction"]!.GetValue<string>());
    }

    private static readonly Dictionary<int, int> RankScores = new() { [1] = 100, [2] = 85, [3] = 70, [4] = 60, [5] = 50 };

    /// <summary>
    /// The stack's demo assistant answers every prompt; each answer's score follows the rank rule, the SKU's score
    /// is the mean of its answers and the overall score the mean over assistants.
    /// </summary>
    private static void AssertVisibility(JsonObject result, string[] skus)
    {
        Assert.Equal(["demo"], result["assistants"]!.AsArray().Select(a => a!.GetValue<string>()));
        Assert.False(result["partial"]!.GetValue<bool>());
        Assert.Empty(result["errors"]!.AsArray());
        var rows = result["skus"]!.AsArray();
        Assert.Equal(skus, rows.Select(r => r!["sku"]!.GetValue<string>()));
        foreach (var row in rows)
        {
            var demo = row!["assistants"]!["demo"]!;
            var answers = demo["answers"]!.AsArray();
            Assert.NotEmpty(answers);
            Assert.Equal(answers.Count, demo["prompts"]!.GetValue<int>());
            Assert.Equal(answers.Count(a => a!["mentioned"]!.GetValue<bool>()), demo["mentions"]!.GetValue<int>());
            foreach (var a in answers)
            {
                var rank = a!["rank"]?.GetValue<int>();
                var expected = !a["mentioned"]!.GetValue<bool>() ? 0 : rank is null ? 30 : RankScores.GetValueOrDefault(rank.Value, 40);
                Assert.Equal(expected, a["score"]!.GetValue<int>());
            }
            var mean = answers.Average(a => a!["score"]!.GetValue<int>());
            Assert.InRange(demo["score"]!.GetValue<double>(), mean - 0.051, mean + 0.051); // rounded to one decimal
            Assert.Equal(demo["score"]!.GetValue<double>(), row["overall_score"]!.GetValue<double>(), 1);
        }
        var overall = result["overall_score"]!.GetValue<double>();
        Assert.InRange(overall, 0, 100);
        Assert.Equal(result["assistant_scores"]!["demo"]!.GetValue<double>(), overall, 1);
    }

    /// <summary>Rules-only proposals for the SKU's listing, nothing applied; the count matches the proposals listed.</summary>
    private static void AssertListing(JsonObject result, string[] skus)
    {
        Assert.Equal("amazon_us", result["marketplace"]!.GetValue<string>());
        Assert.False(result["applied"]!.GetValue<bool>());
        var rows = result["skus"]!.AsArray();
        Assert.Equal(skus, rows.Select(r => r!["sku"]!.GetValue<string>()));
        Assert.Equal(skus.Length, result["analyzed_count"]!.GetValue<int>());
        Assert.All(rows, r => Assert.True(r!["listing_found"]!.GetValue<bool>(), $"no listing for {r["sku"]}"));
        var proposals = rows.SelectMany(r => r!["proposals"]!.AsArray()).ToList();
        Assert.Equal(proposals.Count, result["proposal_count"]!.GetValue<int>());
        foreach (var p in proposals)
        {
            Assert.Matches(@"^(title|bullets(\[\d+\])?|description|keywords)$", p!["field"]!.GetValue<string>());
            Assert.False(string.IsNullOrWhiteSpace(p["issue"]!.GetValue<string>()));
        }
    }

    private static DateTime Time(JsonNode? value)
    {
        var text = value!.GetValue<string>();
        Assert.Matches(@"Z$", text);
        return DateTime.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);
    }

    private static int Round(double seconds) => Math.Max(0, (int)Math.Round(seconds, MidpointRounding.AwayFromZero));
}
