namespace Nexus.Crds.Entities;

/// <summary>The six AI job types of the public API, with the typical durations the API documents.</summary>
public static class JobTypes
{
    public const string PricingRecalculate = "pricing_recalculate";
    public const string ReviewSentiment = "review_sentiment";
    public const string ReturnClassify = "return_classify";
    public const string LlmVisibilityScore = "llm_visibility_score";
    public const string CompetitorScan = "competitor_scan";
    public const string ListingOptimize = "listing_optimize";

    public static readonly IReadOnlyList<string> All =
    [
        PricingRecalculate, ReviewSentiment, ReturnClassify, LlmVisibilityScore, CompetitorScan, ListingOptimize,
    ];

    /// <summary>Typical duration range (seconds) from the API reference; drives estimates and default timeouts.</summary>
    public static readonly IReadOnlyDictionary<string, (int Min, int Max)> TypicalSeconds =
        new Dictionary<string, (int, int)>
        {
            [PricingRecalculate] = (10, 60),
            [ReviewSentiment] = (30, 120),
            [ReturnClassify] = (20, 90),
            [LlmVisibilityScore] = (60, 300),
            [CompetitorScan] = (15, 60),
            [ListingOptimize] = (30, 120),
        };

    public static bool IsKnown(string? type) => type is not null && TypicalSeconds.ContainsKey(type);
}
