using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Nexus.Gateway.Outcomes;

namespace Nexus.Gateway.Validation;

/// <summary>One field of a job type's params: its name, whether it is required, and how its value is checked.</summary>
public abstract partial class ParamRule(string name, bool required, string description)
{
    public string Name { get; } = name;
    public bool Required { get; } = required;
    public string Description { get; } = description;

    public abstract void Check(JsonElement value, string path, List<FieldError> errors);

    // The workers' own SKU rule: a SKU they would refuse must not be accepted here.
    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
    protected static partial Regex SkuPattern();

    [GeneratedRegex("^[a-z0-9][a-z0-9_.-]{0,63}$")]
    protected static partial Regex IdentifierPattern();
}

/// <summary>A non-empty list of distinct SKU strings (letters, digits, <c>._-</c>; at most 64 characters each).</summary>
public sealed class SkuListRule(bool required, int maxItems = 500)
    : ParamRule("skus", required, $"Non-empty list of at most {maxItems} distinct SKUs")
{
    public int MaxItems { get; } = maxItems;

    public override void Check(JsonElement value, string path, List<FieldError> errors)
    {
        if (value.ValueKind != JsonValueKind.Array) { errors.Add(new(path, "must be a list of SKU strings")); return; }
        var count = value.GetArrayLength();
        if (count == 0) { errors.Add(new(path, "must contain at least one SKU")); return; }
        if (count > MaxItems) { errors.Add(new(path, $"must contain at most {MaxItems} SKUs, got {count}")); return; }
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var i = 0;
        foreach (var item in value.EnumerateArray())
        {
            var itemPath = $"{path}[{i++}]";
            if (item.ValueKind != JsonValueKind.String) { errors.Add(new(itemPath, "must be a string")); continue; }
            var sku = item.GetString()!;
            if (!SkuPattern().IsMatch(sku)) errors.Add(new(itemPath, "must be 1-64 characters: letters, digits, '.', '_', '-'"));
            else if (!seen.Add(sku)) errors.Add(new(itemPath, $"duplicate SKU '{sku}'"));
        }
    }
}

public sealed class MarketplaceRule(bool required)
    : ParamRule("marketplace", required, "One of: " + string.Join(", ", Marketplaces.Known))
{
    public override void Check(JsonElement value, string path, List<FieldError> errors)
    {
        if (value.ValueKind != JsonValueKind.String) errors.Add(new(path, "must be a string"));
        else if (!Marketplaces.IsKnown(value.GetString()!))
            errors.Add(new(path, $"unknown marketplace '{value.GetString()}'; known: {string.Join(", ", Marketplaces.Known)}"));
    }
}

public sealed class BoolRule(string name, string description) : ParamRule(name, false, description)
{
    public override void Check(JsonElement value, string path, List<FieldError> errors)
    {
        if (value.ValueKind is not (JsonValueKind.True or JsonValueKind.False)) errors.Add(new(path, "must be a boolean"));
    }
}

public sealed class IntRule(string name, int min, int max, string description) : ParamRule(name, false, description)
{
    public int Min { get; } = min;
    public int Max { get; } = max;

    public override void Check(JsonElement value, string path, List<FieldError> errors)
    {
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out var n)) errors.Add(new(path, "must be an integer"));
        else if (n < Min || n > Max) errors.Add(new(path, $"must be between {Min} and {Max}"));
    }
}

/// <summary>A calendar date, <c>YYYY-MM-DD</c>.</summary>
public sealed class DateRule(string name, string description) : ParamRule(name, false, description)
{
    public override void Check(JsonElement value, string path, List<FieldError> errors)
    {
        if (value.ValueKind != JsonValueKind.String
            || !DateOnly.TryParseExact(value.GetString(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _))
            errors.Add(new(path, "must be a date: YYYY-MM-DD"));
    }
}

/// <summary>A number within bounds; an exclusive bound is not itself allowed.</summary>
public sealed class NumberRule(string name, double min, double max, string description, bool minExclusive = false, bool maxExclusive = false)
    : ParamRule(name, false, description)
{
    public override void Check(JsonElement value, string path, List<FieldError> errors)
    {
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetDouble(out var n) || !double.IsFinite(n))
        {
            errors.Add(new(path, "must be a number"));
            return;
        }
        var belowMin = minExclusive ? n <= min : n < min;
        var aboveMax = maxExclusive ? n >= max : n > max;
        if (belowMin || aboveMax)
            errors.Add(new(path, $"must be {(minExclusive ? "greater than" : "at least")} {min.ToString(CultureInfo.InvariantCulture)} "
                                 + $"and {(maxExclusive ? "less than" : "at most")} {max.ToString(CultureInfo.InvariantCulture)}"));
    }
}

/// <summary>One short lowercase identifier (an assistant's name).</summary>
public sealed class IdentifierRule(string name, string description) : ParamRule(name, false, description)
{
    public override void Check(JsonElement value, string path, List<FieldError> errors)
    {
        if (value.ValueKind != JsonValueKind.String || !IdentifierPattern().IsMatch(value.GetString()!))
            errors.Add(new(path, "must be 1-64 characters: lowercase letters, digits, '_', '.', '-'"));
    }
}

/// <summary>A list of short lowercase identifiers (assistant names, competitor ids).</summary>
public sealed class IdentifierListRule(string name, int maxItems, string description) : ParamRule(name, false, description)
{
    public override void Check(JsonElement value, string path, List<FieldError> errors)
    {
        if (value.ValueKind != JsonValueKind.Array) { errors.Add(new(path, "must be a list of strings")); return; }
        if (value.GetArrayLength() > maxItems) { errors.Add(new(path, $"must contain at most {maxItems} items")); return; }
        var i = 0;
        foreach (var item in value.EnumerateArray())
        {
            var itemPath = $"{path}[{i++}]";
            if (item.ValueKind != JsonValueKind.String || !IdentifierPattern().IsMatch(item.GetString()!))
                errors.Add(new(itemPath, "must be 1-64 characters: lowercase letters, digits, '_', '.', '-'"));
        }
    }
}
