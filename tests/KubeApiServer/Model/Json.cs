using System.Globalization;

namespace Nexus.KubeApiServer.Model;

/// <summary>Small helpers over System.Text.Json.Nodes used by every layer.</summary>
public static class Json
{
    static readonly JsonWriterOptions WriterOptions = new() { Indented = false, SkipValidation = true };

    public static byte[] Serialize(JsonNode node)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(512);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions)) node.WriteTo(writer);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>
    /// A request body as an object, decoded as the API server's JSON decoder does: a key repeated in an object keeps its
    /// last value, and each repeat's path (field names joined by dots) goes to <paramref name="duplicates"/> so
    /// fieldValidation can act on it.
    /// </summary>
    public static JsonObject ParseObject(ReadOnlySpan<byte> utf8, List<string>? duplicates = null)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(utf8.ToArray(), new JsonDocumentOptions { AllowTrailingCommas = false });
        }
        catch (JsonException e)
        {
            throw ApiException.BadRequest($"the request body is not valid JSON: {e.Message}");
        }
        using (document)
        {
            return document.RootElement.ValueKind == JsonValueKind.Object
                ? (JsonObject)ToNode(document.RootElement, "", duplicates ?? [])!
                : throw ApiException.BadRequest("the request body must be a JSON object");
        }
    }

    static JsonNode? ToNode(JsonElement element, string path, List<string> duplicates)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                var obj = new JsonObject();
                foreach (var property in element.EnumerateObject())
                {
                    var childPath = path.Length == 0 ? property.Name : $"{path}.{property.Name}";
                    if (obj.ContainsKey(property.Name)) duplicates.Add(childPath);
                    obj[property.Name] = ToNode(property.Value, childPath, duplicates);
                }
                return obj;
            case JsonValueKind.Array:
                var array = new JsonArray();
                foreach (var item in element.EnumerateArray()) array.Add(ToNode(item, path, duplicates));
                return array;
            case JsonValueKind.Null:
                return null;
            default:
                return JsonValue.Create(element.Clone());
        }
    }

    public static JsonObject Metadata(JsonObject obj)
    {
        if (obj["metadata"] is JsonObject m) return m;
        m = new JsonObject();
        obj["metadata"] = m;
        return m;
    }

    public static string? Str(JsonNode? node, string property) =>
        node is JsonObject o && o[property] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    public static string Now() => Format(DateTime.UtcNow);

    public static string Format(DateTime utc) => utc.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>
    /// Forces lazily-parsed nodes to materialise so a stored object can be read by many threads at once.
    /// </summary>
    public static void Freeze(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var kv in o) Freeze(kv.Value);
                break;
            case JsonArray a:
                foreach (var item in a) Freeze(item);
                break;
        }
    }

    /// <summary>Reads a simple dotted path (".spec.replicas").</summary>
    public static JsonNode? GetPath(JsonNode? root, string dotted)
    {
        var node = root;
        foreach (var part in dotted.TrimStart('.').Split('.', StringSplitOptions.RemoveEmptyEntries))
        {
            if (node is not JsonObject o) return null;
            node = o[part];
        }
        return node;
    }

    public static void SetPath(JsonObject root, string dotted, JsonNode? value)
    {
        var parts = dotted.TrimStart('.').Split('.', StringSplitOptions.RemoveEmptyEntries);
        var node = root;
        for (var i = 0; i < parts.Length - 1; i++)
        {
            if (node[parts[i]] is not JsonObject child)
            {
                child = new JsonObject();
                node[parts[i]] = child;
            }
            node = child;
        }
        node[parts[^1]] = value;
    }

    /// <summary>The value of a JSON scalar as the text field selectors and label-like comparisons use.</summary>
    public static string? ScalarText(JsonNode? node) => node switch
    {
        null => null,
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        JsonValue v => v.ToJsonString(),
        _ => null,
    };

    public static bool Equal(JsonNode? a, JsonNode? b) => JsonNode.DeepEquals(a, b);

    /// <summary>An integer however the node was built (parsed, or from an int or long).</summary>
    public static long? Long(JsonNode? node) =>
        node is JsonValue v && v.GetValueKind() == JsonValueKind.Number &&
        long.TryParse(v.ToJsonString(), System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var n)
            ? n : null;
}
