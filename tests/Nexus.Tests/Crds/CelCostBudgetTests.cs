using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Nexus.Crds.Entities;
using Nexus.Crds.Schema;

namespace Nexus.Tests.Crds;

/// <summary>
/// A real API server refuses a CRD whose CEL rules' estimated cost exceeds its budget: per rule, the rule's cost times
/// the most times its node can occur (the product of maxItems above it) must stay within 10,000,000, and all rules of
/// the CRD together within 100,000,000. The dominant rules are the regex matches on array items (a batch's 20 jobs of
/// 5,000 SKUs each); their cost is cel-go's estimate for <c>matches</c>: ceil(0.1 x maxLength) x ceil(0.25 x regex
/// length). The stand-in does not estimate costs, so this keeps the generated CRDs within what a cluster accepts.
/// </summary>
public partial class CelCostBudgetTests
{
    private const long PerRuleLimit = 10_000_000;
    private const long PerCrdLimit = 100_000_000;

    [Theory]
    [InlineData(typeof(AiJobSpec))]
    [InlineData(typeof(AiJobBatchSpec))]
    public void Every_matches_rule_stays_within_the_cost_budget(Type spec)
    {
        var costs = new List<(string Path, long Cost)>();
        // Through its JSON text, as the API server reads it (the builder mixes int and long values).
        Walk(JsonNode.Parse(SchemaBuilder.ForType(spec).ToJsonString())!.AsObject(), "spec", 1, costs);
        Assert.NotEmpty(costs);
        Assert.All(costs, c => Assert.True(c.Cost <= PerRuleLimit, $"{c.Path}: estimated cost {c.Cost} exceeds {PerRuleLimit}"));
        Assert.True(costs.Sum(c => c.Cost) <= PerCrdLimit, $"the rules' estimated cost {costs.Sum(c => c.Cost)} exceeds {PerCrdLimit}");
    }

    private static void Walk(JsonObject schema, string path, long cardinality, List<(string, long)> costs)
    {
        foreach (var rule in (schema["x-kubernetes-validations"] as JsonArray ?? []).Select(r => (string)r!["rule"]!))
            foreach (Match match in SelfMatches().Matches(rule))
            {
                var maxLength = (long?)schema["maxLength"];
                Assert.True(maxLength is not null, $"{path}: a matches rule on a string without maxLength has an unbounded cost");
                var regexLength = match.Groups[1].Value.Length;
                costs.Add((path, cardinality * (long)Math.Ceiling(0.1 * maxLength!.Value) * (long)Math.Ceiling(0.25 * regexLength)));
            }
        foreach (var (name, child) in schema["properties"] as JsonObject ?? [])
            Walk((JsonObject)child!, $"{path}.{name}", cardinality, costs);
        if (schema["items"] is JsonObject items)
        {
            var maxItems = (long?)schema["maxItems"];
            Assert.True(maxItems is not null || items["x-kubernetes-validations"] is null && items["properties"] is null,
                $"{path}: an array whose items carry rules needs maxItems");
            Walk(items, path + "[]", cardinality * (maxItems ?? 1), costs);
        }
    }

    /// <summary><c>self.matches('...')</c>, the regex literal captured (the generator quotes with single quotes).</summary>
    [GeneratedRegex(@"self\.matches\('((?:[^'\\]|\\.)*)'\)")]
    private static partial Regex SelfMatches();
}
