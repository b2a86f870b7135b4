using System.Collections;
using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using k8s.Models;

namespace Nexus.Crds.Schema;

/// <summary>
/// Builds a structural OpenAPI v3 schema from an entity type: JSON names from [JsonPropertyName], constraints from
/// the standard DataAnnotations ([Required], [Range], [AllowedValues], [MinLength], [MaxLength],
/// [RegularExpression]), [Description], [DefaultValue], and the list attributes of this folder.
/// </summary>
public static class SchemaBuilder
{
    public static JsonObject ForType(Type type) => ObjectSchema(type);

    private static JsonObject ObjectSchema(Type type)
    {
        if (type == typeof(V1Condition)) return ConditionSchema();

        var properties = new JsonObject();
        var required = new JsonArray();
        var rules = type.GetCustomAttributes<XValidationAttribute>().Select(Rule).ToList();
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            var jsonName = property.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name;
            if (jsonName is null || property.GetCustomAttribute<JsonIgnoreAttribute>() is not null) continue;
            // An object's apiVersion, kind and metadata belong to the API server's own schema, not ours (a spec field
            // may still be called metadata).
            if (jsonName is "apiVersion" or "kind" or "metadata" && typeof(k8s.IKubernetesObject).IsAssignableFrom(type)) continue;
            var isRequired = property.GetCustomAttribute<RequiredAttribute>() is not null;
            if (property.GetCustomAttribute<ParamsOfTypeAttribute>() is { } typed)
            {
                var (paramsSchema, parentRules) = ParamsRules.Build(typed.TypeProperty, jsonName,
                    property.GetCustomAttribute<DescriptionAttribute>()?.Description);
                properties[jsonName] = paramsSchema;
                rules.AddRange(parentRules);
            }
            else properties[jsonName] = PropertySchema(property);
            if (property.GetCustomAttribute<ImmutableAttribute>() is not null)
            {
                AddRule((JsonObject)properties[jsonName]!, new JsonObject { ["rule"] = "self == oldSelf", ["message"] = $"{jsonName} is immutable" });
                // A rule on the property runs only when old and new both have it: adding or removing it is the parent's.
                if (!isRequired)
                    rules.Add(new JsonObject
                    {
                        ["rule"] = $"has(self.{jsonName}) == has(oldSelf.{jsonName})",
                        ["message"] = $"{jsonName} is immutable",
                        ["fieldPath"] = $".{jsonName}",
                    });
            }
            if (isRequired) required.Add(jsonName);
        }

        var schema = new JsonObject { ["type"] = "object" };
        var description = type.GetCustomAttribute<DescriptionAttribute>()?.Description;
        if (description is not null) schema["description"] = description;
        schema["properties"] = properties;
        if (required.Count > 0) schema["required"] = required;
        foreach (var rule in rules) AddRule(schema, rule);
        return schema;
    }

    private static JsonObject Rule(XValidationAttribute rule)
    {
        var json = new JsonObject { ["rule"] = rule.Rule, ["message"] = rule.Message };
        if (rule.FieldPath is not null) json["fieldPath"] = rule.FieldPath;
        return json;
    }

    private static void AddRule(JsonObject schema, JsonObject rule)
    {
        if (schema["x-kubernetes-validations"] is not JsonArray rules) schema["x-kubernetes-validations"] = rules = new JsonArray();
        rules.Add(rule);
    }

    private static JsonObject PropertySchema(PropertyInfo property)
    {
        var schema = TypeSchema(property.PropertyType);

        if (property.GetCustomAttribute<DescriptionAttribute>() is { } description)
            schema.Insert(0, "description", description.Description);
        if (property.GetCustomAttribute<DefaultValueAttribute>() is { Value: { } value })
            schema["default"] = JsonValue.Create(value);
        if (property.GetCustomAttribute<AllowedValuesAttribute>() is { } allowed)
            schema["enum"] = new JsonArray(allowed.Values.Select(v => (JsonNode?)JsonValue.Create(v?.ToString())).ToArray());
        if (property.GetCustomAttribute<RangeAttribute>() is { } range)
        {
            schema["minimum"] = JsonValue.Create(Convert.ToInt64(range.Minimum));
            schema["maximum"] = JsonValue.Create(Convert.ToInt64(range.Maximum));
        }
        if (property.GetCustomAttribute<MinLengthAttribute>() is { } minLength) schema["minLength"] = minLength.Length;
        if (property.GetCustomAttribute<MaxLengthAttribute>() is { } maxLength) schema["maxLength"] = maxLength.Length;
        if (property.GetCustomAttribute<RegularExpressionAttribute>() is { } pattern) schema["pattern"] = pattern.Pattern;
        if (property.GetCustomAttribute<MinItemsAttribute>() is { } minItems) schema["minItems"] = minItems.Min;
        if (property.GetCustomAttribute<MaxItemsAttribute>() is { } maxItems) schema["maxItems"] = maxItems.Max;
        if (property.GetCustomAttribute<StringMapAttribute>() is { } stringMap)
        {
            schema["maxProperties"] = stringMap.MaxProperties;
            schema["additionalProperties"] = new JsonObject { ["type"] = "string", ["maxLength"] = stringMap.ValueMaxLength };
        }
        if (property.GetCustomAttribute<ListSetAttribute>() is not null) schema["x-kubernetes-list-type"] = "set";
        foreach (var rule in property.GetCustomAttributes<XValidationAttribute>()) AddRule(schema, Rule(rule));
        if (property.GetCustomAttribute<ListMapAttribute>() is { } map)
        {
            schema["x-kubernetes-list-type"] = "map";
            schema["x-kubernetes-list-map-keys"] = new JsonArray(map.Key);
        }
        return schema;
    }

    private static JsonObject TypeSchema(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type == typeof(string)) return new JsonObject { ["type"] = "string" };
        if (type == typeof(bool)) return new JsonObject { ["type"] = "boolean" };
        if (type == typeof(int)) return new JsonObject { ["type"] = "integer", ["format"] = "int32" };
        if (type == typeof(long)) return new JsonObject { ["type"] = "integer", ["format"] = "int64" };
        if (type == typeof(double)) return new JsonObject { ["type"] = "number" };
        if (type == typeof(DateTime) || type == typeof(DateTimeOffset))
            return new JsonObject { ["type"] = "string", ["format"] = "date-time" };
        if (type == typeof(JsonElement))
            return new JsonObject { ["type"] = "object", ["x-kubernetes-preserve-unknown-fields"] = true };
        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Dictionary<,>))
            return new JsonObject { ["type"] = "object", ["additionalProperties"] = TypeSchema(type.GetGenericArguments()[1]) };
        if (type != typeof(string) && typeof(IEnumerable).IsAssignableFrom(type) && type.IsGenericType)
            return new JsonObject { ["type"] = "array", ["items"] = TypeSchema(type.GetGenericArguments()[0]) };
        if (type.IsClass) return ObjectSchema(type);
        throw new NotSupportedException($"No schema mapping for {type.FullName}");
    }

    /// <summary>The schema of metav1.Condition, as the API server and controller-gen spell it.</summary>
    private static JsonObject ConditionSchema() => new()
    {
        ["type"] = "object",
        ["properties"] = new JsonObject
        {
            ["type"] = new JsonObject { ["type"] = "string", ["maxLength"] = 316 },
            ["status"] = new JsonObject { ["type"] = "string", ["enum"] = new JsonArray("True", "False", "Unknown") },
            ["observedGeneration"] = new JsonObject { ["type"] = "integer", ["format"] = "int64", ["minimum"] = 0 },
            ["lastTransitionTime"] = new JsonObject { ["type"] = "string", ["format"] = "date-time" },
            ["reason"] = new JsonObject { ["type"] = "string", ["maxLength"] = 1024 },
            ["message"] = new JsonObject { ["type"] = "string", ["maxLength"] = 32768 },
        },
        ["required"] = new JsonArray("type", "status", "lastTransitionTime", "reason", "message"),
    };
}
