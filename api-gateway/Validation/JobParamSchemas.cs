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
            new NumberRule("min_margin", 0, 5, "Minimum margin over cost, as a fraction of cost (default 0.15)"),
            new NumberRule("max_change", 0, 0.5, "Maximum price change per run, as a fraction (default 0.10)", minExclusive: true),
            new NumberRule("competitor_band", 0, 1, "Allowed distance from the lowest competitor price, as a fraction (default 0.15)", minExclusive: true),
            new NumberRule("min_uplift", 0, 1, "Minimum expected profit uplift to change a price (default 0.01)"),
        ],
        [JobTypes.ReviewSentiment] =
        [
            new SkuListRule(required: true), new MarketplaceRule(required: false),
            new BoolRule("rescore", "Score reviews again even if already scored (default false)"),
            new IntRule("max_reviews_in_result", 0, 5000, "Per-review scores listed in the result (default 200)"),
            new IntRule("top_aspects", 1, 10, "Aspects listed per SKU and sentiment (default 3)"),
        ],
        [JobTypes.ReturnClassify] =
        [
            new SkuListRule(required: false), new MarketplaceRule(required: false),
            new DateRule("as_of", "End of the current window (default: the latest sales week's end)"),
            new IntRule("window_days", 7, 365, "Current window for anomaly detection, in days (default 28)"),
            new IntRule("baseline_days", 14, 730, "Baseline window before it, in days (default 154)"),
            new NumberRule("alpha", 0, 0.5, "Family-wise false-alarm rate of the anomaly tests (default 0.05)", minExclusive: true, maxExclusive: true),
            new IntRule("min_current_returns", 1, 1000, "Fewer current returns than this: no test (default 5)"),
            new IntRule("max_returns_in_result", 0, 5000, "Classified returns listed in the result (default 100)"),
        ],
        [JobTypes.LlmVisibilityScore] =
        [
            new SkuListRule(required: true), new MarketplaceRule(required: false),
            new IntRule("prompts_per_sku", 1, 4, "Shopping prompts built per SKU (default 3)"),
            new IdentifierListRule("providers", 10, "Assistants to ask, by name (default: all configured)"),
        ],
        [JobTypes.CompetitorScan] =
        [
            new SkuListRule(required: true), new MarketplaceRule(required: true),
        ],
        [JobTypes.ListingOptimize] =
        [
            new SkuListRule(required: true), new MarketplaceRule(required: false),
            new IntRule("max_missing_terms", 1, 10, "High-value search terms to suggest per listing (default 3)"),
            new BoolRule("use_assistant", "Draft rewrites with the configured assistant, if any (default true)"),
            new IdentifierRule("assistant", "Assistant to draft with (default: the first configured)"),
        ],
    };
}
