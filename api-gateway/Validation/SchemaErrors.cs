using System.Globalization;
using System.Text.Json;
using Json.Schema;
using Nexus.Gateway.Outcomes;

namespace Nexus.Gateway.Validation;

/// <summary>
/// Turns a failed schema evaluation into the API's field errors: the field in the API's path style
/// (<c>params.skus[0]</c>), the schema keyword that failed (<c>rule</c>), the value found, and a message that states
/// the keyword's own limit from the schema (the pattern, the bound, the allowed names).
/// </summary>
internal static class SchemaErrors
{
    public static List<FieldError> From(EvaluationResults results, JobParamsSchema schema, JsonElement instance, string path)
    {
        var errors = new List<FieldError>();
        foreach (var node in results.Details ?? [])
        {
            if (node.Errors is not { Count: > 0 } nodeErrors) continue;
            var segments = Segments(node.InstanceLocation.ToString());
            var (field, value, subschema) = Locate(segments, instance, schema.Document, path);
            foreach (var (keyword, libraryMessage) in nodeErrors)
            {
                // A `false` subschema reports under no keyword; the keyword that led there names the rule.
                var rule = keyword.Length > 0 ? keyword : LastSegment(node.EvaluationPath.ToString());
                if (rule == "required")
                {
                    foreach (var missing in Missing(subschema, value))
                        errors.Add(new FieldError($"{field}.{missing}", "is required", rule));
                    continue;
                }
                errors.Add(new FieldError(field, Message(rule, subschema, value, schema, libraryMessage), rule, value.Clone()));
            }
        }
        return errors;
    }

    private static string Message(string rule, JsonElement? subschema, JsonElement value, JobParamsSchema schema, string libraryMessage)
    {
        JsonElement limit = default;
        var hasLimit = subschema is { ValueKind: JsonValueKind.Object } s && s.TryGetProperty(rule, out limit);
        return (rule, hasLimit) switch
        {
            ("additionalProperties", _) => $"unknown parameter for {schema.Type}; allowed: {string.Join(", ", schema.PropertyNames)}",
            ("type", true) => $"must be {Types(limit)}, got {JsonKind(value)}",
            ("pattern", true) => $"must match the pattern {limit.GetString()}",
            ("minimum", true) => $"must be at least {limit.GetRawText()}",
            ("maximum", true) => $"must be at most {limit.GetRawText()}",
            ("exclusiveMinimum", true) => $"must be greater than {limit.GetRawText()}",
            ("exclusiveMaximum", true) => $"must be less than {limit.GetRawText()}",
            ("minItems", true) => $"must contain at least {limit.GetRawText()} items",
            ("maxItems", true) => $"must contain at most {limit.GetRawText()} items, got {value.GetArrayLength()}",
            ("minLength", true) => $"must be at least {limit.GetRawText()} characters long",
            ("maxLength", true) => $"must be at most {limit.GetRawText()} characters long",
            ("enum", true) => $"must be one of: {string.Join(", ", limit.EnumerateArray().Select(v => v.ToString()))}",
            ("const", true) => $"must be {limit.GetRawText()}",
            ("format", true) => limit.GetString() == "date" ? "must be a calendar date: YYYY-MM-DD" : $"must be a valid {limit.GetString()}",
            _ => libraryMessage,
        };
    }

    private static string Types(JsonElement type) => type.ValueKind == JsonValueKind.Array
        ? string.Join(" or ", type.EnumerateArray().Select(t => Article(t.GetString()!)))
        : Article(type.GetString()!);

    private static string Article(string type) => type switch
    {
        "array" => "an array",
        "integer" => "an integer",
        "object" => "an object",
        "null" => "null",
        _ => "a " + type,
    };

    private static string JsonKind(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Array => "an array",
        JsonValueKind.Object => "an object",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => value.TryGetInt64(out _) ? "an integer" : "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };

    private static IEnumerable<string> Missing(JsonElement? subschema, JsonElement value)
    {
        if (subschema is not { ValueKind: JsonValueKind.Object } s || !s.TryGetProperty("required", out var required)) return [];
        return required.EnumerateArray().Select(r => r.GetString()!)
            .Where(name => value.ValueKind != JsonValueKind.Object || !value.TryGetProperty(name, out _));
    }

    /// <summary>
    /// Follows the instance location through the instance (for the value and the field path) and through the
    /// published schema (properties of objects, items of arrays) for the subschema whose keyword failed.
    /// </summary>
    private static (string Field, JsonElement Value, JsonElement? Subschema) Locate(IReadOnlyList<string> segments,
        JsonElement instance, JsonElement schema, string path)
    {
        var field = path;
        var value = instance;
        JsonElement? subschema = schema;
        foreach (var segment in segments)
        {
            if (value.ValueKind == JsonValueKind.Array && int.TryParse(segment, NumberStyles.None, CultureInfo.InvariantCulture, out var index))
            {
                field += $"[{index}]";
                value = value[index];
                subschema = subschema is { ValueKind: JsonValueKind.Object } s && s.TryGetProperty("items", out var items) ? items : null;
            }
            else
            {
                field += "." + segment;
                value = value.GetProperty(segment);
                subschema = subschema is { ValueKind: JsonValueKind.Object } s
                            && s.TryGetProperty("properties", out var properties) && properties.TryGetProperty(segment, out var property)
                    ? property
                    : null;
            }
        }
        return (field, value, subschema);
    }

    private static List<string> Segments(string pointer) => pointer.Length == 0
        ? []
        : pointer.Split('/').Skip(1).Select(s => s.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal)).ToList();

    private static string LastSegment(string pointer) => Segments(pointer) is { Count: > 0 } s ? s[^1] : "";
}
