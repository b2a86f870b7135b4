using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Nexus.Gateway.Api;

namespace Nexus.Gateway.Validation;

/// <summary>One field of a job type's params: its name, whether it is required, and how its value is checked.</summary>
public abstract partial class ParamRule(string name, bool required, string description)
{
    public string Name { get; } = name;
    public bool Required { get; } = required;
    public string Description { get; } = description;

    public abstract void Check(JsonElement value, string path, List<FieldError> errors);

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$")]
    protected static partial Regex SkuPattern();

    [GeneratedRegex("^[a-z0-9][a-z0-9_.-]{0,63}$")]
    protected static partial Regex IdentifierPattern();
}

/// <summary>A non-empty list of distinct SKU strings (letters, digits, <c>._/-</c>; at most 64 characters each).</summary>
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
            if (!SkuPattern().IsMatch(sku)) errors.Add(new(itemPath, "must be 1-64 characters: letters, digits, '.', '_', '/', '-'"));
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

/// <summary>An ISO-8601 date or date-time string.</summary>
public sealed class DateRule(string name, string description) : ParamRule(name, false, description)
{
    public override void Check(JsonElement value, string path, List<FieldError> errors)
    {
        if (value.ValueKind != JsonValueKind.String
            || !DateTimeOffset.TryParse(value.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out _))
            errors.Add(new(path, "must be an ISO-8601 date or date-time string"));
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

/// <summary>A list of free-text strings (search keywords).</summary>
public sealed class TextListRule(string name, int maxItems, int maxLength, string description) : ParamRule(name, false, description)
{
    public override void Check(JsonElement value, string path, List<FieldError> errors)
    {
        if (value.ValueKind != JsonValueKind.Array) { errors.Add(new(path, "must be a list of strings")); return; }
        if (value.GetArrayLength() > maxItems) { errors.Add(new(path, $"must contain at most {maxItems} items")); return; }
        var i = 0;
        foreach (var item in value.EnumerateArray())
        {
            var itemPath = $"{path}[{i++}]";
            if (item.ValueKind != JsonValueKind.String) errors.Add(new(itemPath, "must be a string"));
            else if (item.GetString()!.Trim().Length is 0 || item.GetString()!.Length > maxLength)
                errors.Add(new(itemPath, $"must be 1-{maxLength} characters"));
        }
    }
}

public sealed class TextRule(string name, int maxLength, string description) : ParamRule(name, false, description)
{
    public override void Check(JsonElement value, string path, List<FieldError> errors)
    {
        if (value.ValueKind != JsonValueKind.String) errors.Add(new(path, "must be a string"));
        else if (value.GetString()!.Trim().Length is 0 || value.GetString()!.Length > maxLength)
            errors.Add(new(path, $"must be 1-{maxLength} characters"));
    }
}
