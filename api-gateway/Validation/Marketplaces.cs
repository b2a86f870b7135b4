namespace Nexus.Gateway.Validation;

/// <summary>Marketplaces the platform knows; params naming any other are refused at the edge.</summary>
public static class Marketplaces
{
    public static readonly IReadOnlyList<string> Known =
    [
        "amazon_us", "amazon_ca", "amazon_mx", "amazon_br", "amazon_uk", "amazon_de", "amazon_fr", "amazon_it",
        "amazon_es", "amazon_nl", "amazon_se", "amazon_pl", "amazon_jp", "amazon_au", "amazon_in",
        "ebay_us", "ebay_uk", "ebay_de", "walmart_us", "etsy", "shopify",
    ];

    private static readonly HashSet<string> Set = new(Known, StringComparer.Ordinal);

    public static bool IsKnown(string value) => Set.Contains(value);
}
