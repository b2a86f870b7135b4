namespace Nexus.KubeApiServer.Schema;

/// <summary>
/// Structural-schema pruning: drops fields the schema does not declare (unless
/// x-kubernetes-preserve-unknown-fields) and nulls of non-nullable fields, reporting the dropped paths so
/// fieldValidation=Strict/Warn can act on them.
/// </summary>
public static class SchemaPruner
{
    static readonly HashSet<string> RootFields = ["apiVersion", "kind", "metadata"];

    public static List<string> Prune(JsonObject obj, JsonObject schema)
    {
        var unknown = new List<string>();
        PruneObject(obj, schema, "", unknown, root: true);
        return unknown;
    }

    static bool Preserves(JsonObject schema) =>
        schema["x-kubernetes-preserve-unknown-fields"] is JsonValue v && v.TryGetValue<bool>(out var b) && b;

    static bool Nullable(JsonObject schema) =>
        schema["nullable"] is JsonValue v && v.TryGetValue<bool>(out var b) && b;

    static void PruneObject(JsonObject obj, JsonObject schema, string path, List<string> unknown, bool root)
    {
        var props = schema["properties"] as JsonObject;
        var additional = schema["additionalProperties"] as JsonObject;
        var preserve = Preserves(schema);
        foreach (var key in obj.Select(kv => kv.Key).ToList())
        {
            if (root && RootFields.Contains(key)) continue;
            var childPath = path.Length == 0 ? key : $"{path}.{key}";
            var childSchema = props?[key] as JsonObject ?? additional;
            if (childSchema is null)
            {
                if (!preserve)
                {
                    obj.Remove(key);
                    unknown.Add(childPath);
                }
                continue;
            }
            var value = obj[key];
            if (value is null && !Nullable(childSchema))
            {
                obj.Remove(key);
                continue;
            }
            PruneValue(value, childSchema, childPath, unknown);
        }
    }

    static void PruneValue(JsonNode? value, JsonObject schema, string path, List<string> unknown)
    {
        switch (value)
        {
            case JsonObject o when schema["properties"] is not null || schema["additionalProperties"] is JsonObject || !Preserves(schema):
                if (schema["x-kubernetes-embedded-resource"] is JsonValue e && e.TryGetValue<bool>(out var embedded) && embedded)
                    PruneObject(o, schema, path, unknown, root: true);
                else
                    PruneObject(o, schema, path, unknown, root: false);
                break;
            case JsonArray a when schema["items"] is JsonObject items:
                for (var i = 0; i < a.Count; i++) PruneValue(a[i], items, $"{path}[{i}]", unknown);
                break;
        }
    }
}
