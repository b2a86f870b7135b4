namespace Nexus.KubeApiServer.Selectors;

/// <summary>The labelSelector query syntax: =, ==, !=, in, notin, key, !key (comma = AND).</summary>
public sealed class LabelSelector
{
    enum Op { Equals, NotEquals, In, NotIn, Exists, NotExists }
    sealed record Requirement(string Key, Op Op, string[] Values);

    readonly List<Requirement> _requirements = new();

    public static LabelSelector? Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        var selector = new LabelSelector();
        foreach (var raw in SplitTopLevel(text))
        {
            var part = raw.Trim();
            if (part.Length == 0) throw Invalid(text, "empty requirement");
            selector._requirements.Add(ParseRequirement(part, text));
        }
        return selector;
    }

    static Requirement ParseRequirement(string part, string text)
    {
        if (part.StartsWith('!')) return new(CheckKey(part[1..].Trim(), text), Op.NotExists, []);
        var setMatch = System.Text.RegularExpressions.Regex.Match(part, @"^(\S+)\s+(in|notin)\s*\((.*)\)$");
        if (setMatch.Success)
        {
            var values = setMatch.Groups[3].Value.Split(',').Select(v => v.Trim()).ToArray();
            return new(CheckKey(setMatch.Groups[1].Value, text), setMatch.Groups[2].Value == "in" ? Op.In : Op.NotIn, values);
        }
        var ne = part.IndexOf("!=", StringComparison.Ordinal);
        if (ne > 0) return new(CheckKey(part[..ne].Trim(), text), Op.NotEquals, [CheckValue(part[(ne + 2)..].Trim(), text)]);
        var eq = part.IndexOf("==", StringComparison.Ordinal);
        if (eq > 0) return new(CheckKey(part[..eq].Trim(), text), Op.Equals, [CheckValue(part[(eq + 2)..].Trim(), text)]);
        var single = part.IndexOf('=');
        if (single > 0) return new(CheckKey(part[..single].Trim(), text), Op.Equals, [CheckValue(part[(single + 1)..].Trim(), text)]);
        if (part.Contains(' ') || part.Contains('(') || part.Contains('<') || part.Contains('>'))
            throw Invalid(text, $"unable to parse requirement: {part}");
        return new(CheckKey(part, text), Op.Exists, []);
    }

    static readonly System.Text.RegularExpressions.Regex KeyPattern =
        new(@"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$");
    static readonly System.Text.RegularExpressions.Regex ValuePattern = new(@"^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$");

    static string CheckKey(string key, string text) =>
        KeyPattern.IsMatch(key) ? key : throw Invalid(text, $"invalid label key \"{key}\"");

    static string CheckValue(string value, string text) =>
        ValuePattern.IsMatch(value) ? value : throw Invalid(text, $"invalid label value: \"{value}\"");

    static ApiException Invalid(string text, string why) =>
        ApiException.BadRequest($"unable to parse requirement: found '{text}', {why}");

    static IEnumerable<string> SplitTopLevel(string text)
    {
        var depth = 0;
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '(') depth++;
            else if (text[i] == ')') depth--;
            else if (text[i] == ',' && depth == 0)
            {
                yield return text[start..i];
                start = i + 1;
            }
        }
        yield return text[start..];
    }

    public bool Matches(StoredObject o)
    {
        foreach (var r in _requirements)
        {
            var has = o.HasLabel(r.Key);
            var value = o.Label(r.Key);
            var ok = r.Op switch
            {
                Op.Exists => has,
                Op.NotExists => !has,
                Op.Equals => has && value == r.Values[0],
                Op.NotEquals => !has || value != r.Values[0],
                Op.In => has && r.Values.Contains(value),
                Op.NotIn => !has || !r.Values.Contains(value),
                _ => false,
            };
            if (!ok) return false;
        }
        return true;
    }
}
