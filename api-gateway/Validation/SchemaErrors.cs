using System.Globalization;
using System.Text.Json;
using Json.Schema;
using Nexus.Crds.Schema;
using Nexus.Gateway.Outcomes;

namespace Nexus.Gateway.Validation;

/// <summary>
/// Turns a failed schema evaluation into the API's field errors: the field in the API's path style
/// (<c>params.skus[0]</c>), the schema keyword that failed (<c>rule</c>), the value found, and a message that states
/// the keyword's own limit from the schema (the pattern, the bound, the allowed names), in the words of
/// <see cref="ParamsMessages"/>, which the CRDs' CEL rules use too.
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
                        errors.Add(new FieldError($"{field}.{missing}", ParamsMessages.Required, rule));
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
        if (rule == "additionalProperties") return ParamsMessages.UnknownParameter(schema.Type, schema.PropertyNames);
        if (!hasLimit) return libraryMessage;
        return rule switch
        {
            "type" => ParamsMessages.Type(limit.ValueKind == JsonValueKind.Array
                ? limit.EnumerateArray().Select(t => t.GetString()!)
                : [limit.GetString()!], JsonType(value)),
            "pattern" => ParamsMessages.Pattern(limit.GetString()!),
            "maxItems" => ParamsMessages.MaxItems(limit.GetRawText(), value.GetArrayLength()),
            "enum" => ParamsMessages.OneOf(limit.EnumerateArray().Select(v => v.ToString())),
            "format" => ParamsMessages.Format(limit.GetString()!),
            _ => ParamsMessages.Bound(rule, limit.GetRawText()) ?? libraryMessage,
        };
    }

    private static string JsonType(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Array => "array",
        JsonValueKind.Object => "object",
        JsonValueKind.String => "string",
        JsonValueKind.Number => value.TryGetInt64(out _) ? "integer" : "number",
        JsonValueKind.True or JsonValueKind.False => "boolean",
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
