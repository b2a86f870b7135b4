namespace Nexus.KubeApiServer.Selectors;

/// <summary>The fieldSelector query syntax (=, ==, != only) over the fields each kind supports.</summary>
public sealed class FieldSelector
{
    sealed record Requirement(string Field, bool Equal, string Value);

    readonly List<Requirement> _requirements = new();

    public static FieldSelector? Parse(string? text, ResourceType type)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        var selector = new FieldSelector();
        foreach (var raw in SplitUnescaped(text, ','))
        {
            var part = raw.Trim();
            if (part.Length == 0) continue;
            string field, value;
            bool equal;
            int i;
            if ((i = part.IndexOf("!=", StringComparison.Ordinal)) > 0) { field = part[..i]; value = part[(i + 2)..]; equal = false; }
            else if ((i = part.IndexOf("==", StringComparison.Ordinal)) > 0) { field = part[..i]; value = part[(i + 2)..]; equal = true; }
            else if ((i = part.IndexOf('=')) > 0) { field = part[..i]; value = part[(i + 1)..]; equal = true; }
            else throw ApiException.BadRequest($"invalid selector: '{text}'; can't understand '{part}'");
            field = field.Trim();
            if (field != "metadata.name" && field != "metadata.namespace" && !type.ExtraFieldSelectors.Contains(field))
                throw ApiException.BadRequest($"field label not supported: {field}");
            selector._requirements.Add(new Requirement(field, equal, Unescape(value.Trim())));
        }
        return selector;
    }

    static IEnumerable<string> SplitUnescaped(string text, char separator)
    {
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '\\') { i++; continue; }
            if (text[i] == separator)
            {
                yield return text[start..i];
                start = i + 1;
            }
        }
        yield return text[start..];
    }

    static string Unescape(string value) =>
        value.Replace("\\,", ",").Replace("\\=", "=").Replace("\\\\", "\\");

    /// <summary>Name equality, which lets a single-object watch or list skip the scan.</summary>
    public string? ExactName => _requirements.FirstOrDefault(r => r.Field == "metadata.name" && r.Equal)?.Value;

    public bool Matches(StoredObject o)
    {
        foreach (var r in _requirements)
        {
            var actual = r.Field switch
            {
                "metadata.name" => o.Name,
                "metadata.namespace" => o.Namespace,
                "source" => Json.ScalarText(Json.GetPath(o.Node, "source.component")) ?? "",
                _ => Json.ScalarText(Json.GetPath(o.Node, r.Field)) ?? "",
            };
            if ((actual == r.Value) != r.Equal) return false;
        }
        return true;
    }
}
