using System.Globalization;
using System.Text.RegularExpressions;

namespace Nexus.KubeApiServer.Schema;

/// <summary>
/// Validates an object against a CRD's structural OpenAPI v3 schema, producing causes worded like the real
/// apiextensions-apiserver (Required value, Unsupported value, Invalid value ... in body ...).
/// </summary>
public static class SchemaValidator
{
    public static List<StatusCause> Validate(JsonObject obj, JsonObject schema, string? onlyUnder = null)
    {
        var causes = new List<StatusCause>();
        ValidateNode(obj, schema, "", causes, root: true);
        if (onlyUnder is not null)
            causes.RemoveAll(c => c.Field != onlyUnder && !c.Field.StartsWith(onlyUnder + ".", StringComparison.Ordinal) &&
                                  !c.Field.StartsWith(onlyUnder + "[", StringComparison.Ordinal));
        return causes;
    }

    static string Render(JsonNode? value) => value switch
    {
        null => "null",
        JsonObject => "\"object\"",
        JsonArray a => a.Count.ToString(CultureInfo.InvariantCulture),
        _ => value.ToJsonString(),
    };

    static string TypeName(JsonNode? value) => value switch
    {
        null => "null",
        JsonObject => "object",
        JsonArray => "array",
        JsonValue v => v.GetValueKind() switch
        {
            JsonValueKind.String => "string",
            JsonValueKind.Number => IsInteger(v) ? "integer" : "number",
            JsonValueKind.True or JsonValueKind.False => "boolean",
            _ => "null",
        },
        _ => "unknown",
    };

    static bool IsInteger(JsonValue v) =>
        v.TryGetValue<long>(out _) || (v.TryGetValue<double>(out var d) && Math.Abs(d % 1) < double.Epsilon && d is > long.MinValue and < long.MaxValue);

    static bool TypeMatches(string type, JsonNode? value, JsonObject schema)
    {
        if (schema["x-kubernetes-int-or-string"] is JsonValue ios && ios.TryGetValue<bool>(out var b) && b)
            return TypeName(value) is "integer" or "string";
        var actual = TypeName(value);
        return type switch
        {
            "number" => actual is "number" or "integer",
            _ => actual == type,
        };
    }

    static void ValidateNode(JsonNode? value, JsonObject schema, string path, List<StatusCause> causes, bool root = false)
    {
        var type = Json.Str(schema, "type");
        if (value is null)
        {
            var nullable = schema["nullable"] is JsonValue n && n.TryGetValue<bool>(out var nb) && nb;
            if (!nullable && type is not null)
                causes.Add(new("FieldValueTypeInvalid", $"Invalid value: \"null\": {path} in body must be of type {type}: \"null\"", path));
            return;
        }
        if (type is not null && !TypeMatches(type, value, schema))
        {
            causes.Add(new("FieldValueTypeInvalid",
                $"Invalid value: \"{TypeName(value)}\": {path} in body must be of type {type}: \"{TypeName(value)}\"", path));
            return;
        }
        if (schema["enum"] is JsonArray allowed && !allowed.Any(a => Json.Equal(a, value)))
        {
            var list = string.Join(", ", allowed.Select(a => a?.ToJsonString() ?? "null"));
            causes.Add(new("FieldValueNotSupported", $"Unsupported value: {value.ToJsonString()}: supported values: {list}", path));
        }
        switch (value)
        {
            case JsonObject o:
                ValidateObject(o, schema, path, causes, root);
                break;
            case JsonArray a:
                ValidateArray(a, schema, path, causes);
                break;
            case JsonValue v:
                ValidateScalar(v, schema, path, causes);
                break;
        }
    }

    static void ValidateObject(JsonObject o, JsonObject schema, string path, List<StatusCause> causes, bool root)
    {
        if (schema["required"] is JsonArray required)
            foreach (var r in required)
            {
                var name = r?.GetValue<string>();
                if (name is not null && (!o.ContainsKey(name) || o[name] is null))
                    causes.Add(new("FieldValueRequired", "Required value", Join(path, name)));
            }
        if (schema["minProperties"] is JsonValue minP && o.Count < minP.GetValue<int>())
            causes.Add(new("FieldValueInvalid", $"Invalid value: {o.Count}: {Shown(path)} in body should have at least {minP} properties", path));
        if (schema["maxProperties"] is JsonValue maxP && o.Count > maxP.GetValue<int>())
            causes.Add(new("FieldValueTooMany", $"Too many: {o.Count}: must have at most {maxP} items", path));
        var props = schema["properties"] as JsonObject;
        var additional = schema["additionalProperties"] as JsonObject;
        foreach (var (key, child) in o)
        {
            if (root && key == "metadata") continue;
            var childSchema = props?[key] as JsonObject ?? additional;
            if (childSchema is not null) ValidateNode(child, childSchema, Join(path, key), causes);
        }
    }

    static void ValidateArray(JsonArray a, JsonObject schema, string path, List<StatusCause> causes)
    {
        if (schema["minItems"] is JsonValue min && a.Count < min.GetValue<long>())
            causes.Add(new("FieldValueInvalid", $"Invalid value: {a.Count}: {path} in body should have at least {min} items", path));
        if (schema["maxItems"] is JsonValue max && a.Count > max.GetValue<long>())
            causes.Add(new("FieldValueTooMany", $"Too many: {a.Count}: must have at most {max} items", path));
        var listType = Json.Str(schema, "x-kubernetes-list-type");
        if (listType == "set" || (schema["uniqueItems"] is JsonValue u && u.TryGetValue<bool>(out var unique) && unique))
            for (var i = 0; i < a.Count; i++)
                for (var j = 0; j < i; j++)
                    if (Json.Equal(a[i], a[j]))
                    {
                        causes.Add(new("FieldValueDuplicate", $"Duplicate value: {Render(a[i])}", $"{path}[{i}]"));
                        break;
                    }
        if (listType == "map" && schema["x-kubernetes-list-map-keys"] is JsonArray keys)
        {
            var seen = new HashSet<string>();
            for (var i = 0; i < a.Count; i++)
            {
                var k = string.Join("\u0000", keys.Select(key => a[i]?[key!.GetValue<string>()]?.ToJsonString() ?? ""));
                if (!seen.Add(k))
                    causes.Add(new("FieldValueDuplicate", $"Duplicate value: {Render(a[i])}", $"{path}[{i}]"));
            }
        }
        if (schema["items"] is JsonObject items)
            for (var i = 0; i < a.Count; i++) ValidateNode(a[i], items, $"{path}[{i}]", causes);
    }

    static void ValidateScalar(JsonValue v, JsonObject schema, string path, List<StatusCause> causes)
    {
        var kind = v.GetValueKind();
        if (kind == JsonValueKind.Number)
        {
            var d = v.GetValue<double>();
            var text = v.ToJsonString();
            if (schema["minimum"] is JsonValue min)
            {
                var exclusive = schema["exclusiveMinimum"] is JsonValue em && em.TryGetValue<bool>(out var e1) && e1;
                var m = min.GetValue<double>();
                if (exclusive ? d <= m : d < m)
                    causes.Add(new("FieldValueInvalid",
                        $"Invalid value: {text}: {path} in body should be greater than {(exclusive ? "" : "or equal to ")}{min.ToJsonString()}", path));
            }
            if (schema["maximum"] is JsonValue max)
            {
                var exclusive = schema["exclusiveMaximum"] is JsonValue em && em.TryGetValue<bool>(out var e2) && e2;
                var m = max.GetValue<double>();
                if (exclusive ? d >= m : d > m)
                    causes.Add(new("FieldValueInvalid",
                        $"Invalid value: {text}: {path} in body should be less than {(exclusive ? "" : "or equal to ")}{max.ToJsonString()}", path));
            }
            if (schema["multipleOf"] is JsonValue mult && Math.Abs(d % mult.GetValue<double>()) > 1e-9)
                causes.Add(new("FieldValueInvalid", $"Invalid value: {text}: {path} in body should be a multiple of {mult.ToJsonString()}", path));
            if (Json.Str(schema, "format") == "int32" && (d > int.MaxValue || d < int.MinValue))
                causes.Add(new("FieldValueInvalid", $"Invalid value: {text}: {path} in body must be of type int32: \"{text}\"", path));
        }
        else if (kind == JsonValueKind.String)
        {
            var s = v.GetValue<string>();
            var quoted = v.ToJsonString();
            if (schema["minLength"] is JsonValue minL && s.Length < minL.GetValue<int>())
                causes.Add(new("FieldValueInvalid", $"Invalid value: {quoted}: {path} in body should be at least {minL} chars long", path));
            if (schema["maxLength"] is JsonValue maxL && s.Length > maxL.GetValue<int>())
                causes.Add(new("FieldValueTooLong", $"Too long: may not be more than {maxL} bytes", path));
            if (Json.Str(schema, "pattern") is { } pattern && !Regex.IsMatch(s, pattern))
                causes.Add(new("FieldValueInvalid", $"Invalid value: {quoted}: {path} in body should match '{pattern}'", path));
            if (Json.Str(schema, "format") == "date-time" &&
                !DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out _))
                causes.Add(new("FieldValueInvalid", $"Invalid value: {quoted}: {path} in body must be of type date-time: {quoted}", path));
        }
    }

    static string Join(string path, string key) => path.Length == 0 ? key : $"{path}.{key}";
    static string Shown(string path) => path.Length == 0 ? "body" : path;
}
