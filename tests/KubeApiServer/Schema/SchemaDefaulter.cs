namespace Nexus.KubeApiServer.Schema;

/// <summary>Applies the schema's <c>default</c> values to absent fields of present objects.</summary>
public static class SchemaDefaulter
{
    public static void Apply(JsonNode? node, JsonObject schema)
    {
        switch (node)
        {
            case JsonObject o:
                if (schema["properties"] is JsonObject props)
                    foreach (var (key, s) in props)
                    {
                        if (s is not JsonObject childSchema) continue;
                        if (!o.ContainsKey(key) || o[key] is null)
                        {
                            if (childSchema["default"] is { } def) o[key] = def.DeepClone();
                            else continue;
                        }
                        Apply(o[key], childSchema);
                    }
                if (schema["additionalProperties"] is JsonObject additional)
                    foreach (var kv in o.ToList()) Apply(kv.Value, additional);
                break;
            case JsonArray a when schema["items"] is JsonObject items:
                foreach (var item in a) Apply(item, items);
                break;
        }
    }
}
