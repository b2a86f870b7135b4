using Nexus.Crds.Entities;

namespace Nexus.Gateway.Validation;

/// <summary>
/// The params each job type accepts. Unknown fields are refused so a typo ("sku" for "skus") fails at dispatch
/// rather than silently running the job without it. Extend here when a worker learns a new parameter.
/// </summary>
public static class JobParamSchemas
{
    public static readonly IReadOnlyDictionary<string, IReadOnlyList<ParamRule>> ByType = new Dictionary<string, IReadOnlyList<ParamRule>>
    {
        [JobTypes.PricingRecalculate] =
        [
            new SkuListRule(required: true), new MarketplaceRule(required: true),
            new BoolRule("apply", "Write the recommended prices (default false)"),
        ],
        [JobTypes.ReviewSentiment] =
        [
            new SkuListRule(required: true), new MarketplaceRule(required: false),
            new DateRule("since", "Only reviews posted on or after this date"),
            new BoolRule("rescore", "Score reviews again even if already scored (default false)"),
        ],
        [JobTypes.ReturnClassify] =
        [
            new SkuListRule(required: false), new MarketplaceRule(required: false),
            new DateRule("since", "Only returns on or after this date"),
            new IntRule("window_days", 1, 365, "Baseline window for anomaly detection, in days"),
        ],
        [JobTypes.LlmVisibilityScore] =
        [
            new SkuListRule(required: true), new MarketplaceRule(required: false),
            new IdentifierListRule("assistants", 10, "Assistants to query (default: all configured)"),
            new IntRule("prompts_per_sku", 1, 20, "Shopping prompts built per SKU"),
            new TextRule("brand", 200, "Brand name to look for in answers"),
        ],
        [JobTypes.CompetitorScan] =
        [
            new SkuListRule(required: true), new MarketplaceRule(required: true),
            new IdentifierListRule("competitors", 50, "Competitor ids to restrict the scan to"),
        ],
        [JobTypes.ListingOptimize] =
        [
            new SkuListRule(required: true), new MarketplaceRule(required: false),
            new TextListRule("keywords", 50, 100, "Search terms the listing should rank for"),
        ],
    };
}
