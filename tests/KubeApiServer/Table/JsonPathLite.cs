using System.Text.RegularExpressions;

namespace Nexus.KubeApiServer.Table;

/// <summary>
/// The JSONPath subset printer columns use: dotted fields, [n] indexes and [?(@.k=="v")] filters.
/// Missing keys yield null, as with AllowMissingKeys in the real convertor.
/// </summary>
public static partial class JsonPathLite
{
    [GeneratedRegex(@"\.([A-Za-z0-9_\-/]+)|\[(\d+)\]|\[\?\(@\.([A-Za-z0-9_\-.]+)\s*==\s*[""']([^""']*)[""']\)\]|\['([^']+)'\]")]
    private static partial Regex Step();

    public static JsonNode? Evaluate(JsonNode? root, string path)
    {
        var p = path.Trim();
        if (p.StartsWith('{') && p.EndsWith('}')) p = p[1..^1];
        if (p.StartsWith('$')) p = p[1..];
        var node = root;
        foreach (Match m in Step().Matches(p))
        {
            if (node is null) return null;
            if (m.Groups[1].Success || m.Groups[5].Success)
                node = node is JsonObject o ? o[m.Groups[1].Success ? m.Groups[1].Value : m.Groups[5].Value] : null;
            else if (m.Groups[2].Success)
                node = node is JsonArray a && int.Parse(m.Groups[2].Value) < a.Count ? a[int.Parse(m.Groups[2].Value)] : null;
            else
            {
                var key = m.Groups[3].Value;
                var want = m.Groups[4].Value;
                node = node is JsonArray a ? a.FirstOrDefault(e => Json.ScalarText(Json.GetPath(e, key)) == want) : null;
            }
        }
        return node;
    }
}
