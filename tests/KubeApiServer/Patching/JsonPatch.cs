namespace Nexus.KubeApiServer.Patching;

/// <summary>RFC 6902 JSON patch (application/json-patch+json).</summary>
public static class JsonPatch
{
    public static JsonNode Apply(JsonNode document, JsonNode? patch)
    {
        if (patch is not JsonArray ops) throw Bad("the patch must be a JSON array of operations");
        var root = new JsonObject { ["doc"] = document };
        foreach (var raw in ops)
        {
            if (raw is not JsonObject op) throw Bad("each operation must be a JSON object");
            var kind = Json.Str(op, "op") ?? throw Bad("operation missing \"op\"");
            var path = Json.Str(op, "path") ?? throw Bad($"operation {kind} missing \"path\"");
            switch (kind)
            {
                case "add": Add(root, path, Value(op)); break;
                case "remove": Remove(root, path); break;
                case "replace": Remove(root, path); Add(root, path, Value(op)); break;
                case "move":
                {
                    var from = Json.Str(op, "from") ?? throw Bad("move missing \"from\"");
                    var moved = Remove(root, from);
                    Add(root, path, moved);
                    break;
                }
                case "copy":
                {
                    var from = Json.Str(op, "from") ?? throw Bad("copy missing \"from\"");
                    Add(root, path, Get(root, from)?.DeepClone());
                    break;
                }
                case "test":
                    if (!Json.Equal(Get(root, path), op["value"]))
                        throw new ApiException(422, "Invalid", $"the server rejected our request due to an error in our request: testing value at {path} failed");
                    break;
                default: throw Bad($"unknown operation \"{kind}\"");
            }
        }
        var result = root["doc"]!;
        root.Remove("doc");
        return result;
    }

    static JsonNode? Value(JsonObject op) =>
        op.ContainsKey("value") ? op["value"]?.DeepClone() : throw Bad($"operation {Json.Str(op, "op")} missing \"value\"");

    static ApiException Bad(string why) => new(422, "Invalid", $"the server rejected our request due to an error in our request: {why}");

    static string[] Tokens(string pointer)
    {
        if (pointer.Length == 0) return [];
        if (pointer[0] != '/') throw Bad($"invalid JSON pointer \"{pointer}\"");
        return pointer[1..].Split('/').Select(t => t.Replace("~1", "/").Replace("~0", "~")).ToArray();
    }

    static (JsonNode Parent, string Last) Parent(JsonObject root, string pointer)
    {
        var tokens = Tokens(pointer);
        JsonNode node = root;
        var key = "doc";
        foreach (var t in tokens)
        {
            node = Child(node, key) ?? throw Bad($"path {pointer} does not exist");
            key = t;
        }
        return (node, key);
    }

    static JsonNode? Child(JsonNode node, string key) => node switch
    {
        JsonObject o => o[key],
        JsonArray a when int.TryParse(key, out var i) && i >= 0 && i < a.Count => a[i],
        _ => null,
    };

    static JsonNode? Get(JsonObject root, string pointer)
    {
        var (parent, last) = Parent(root, pointer);
        return Child(parent, last);
    }

    static void Add(JsonObject root, string pointer, JsonNode? value)
    {
        var (parent, last) = Parent(root, pointer);
        switch (parent)
        {
            case JsonObject o: o[last] = value; break;
            case JsonArray a:
                if (last == "-") a.Add(value);
                else if (int.TryParse(last, out var i) && i >= 0 && i <= a.Count) a.Insert(i, value);
                else throw Bad($"index {last} out of range in {pointer}");
                break;
            default: throw Bad($"path {pointer} does not exist");
        }
    }

    static JsonNode? Remove(JsonObject root, string pointer)
    {
        var (parent, last) = Parent(root, pointer);
        switch (parent)
        {
            case JsonObject o when o.ContainsKey(last):
                var v = o[last];
                o.Remove(last);
                return v;
            case JsonArray a when int.TryParse(last, out var i) && i >= 0 && i < a.Count:
                var item = a[i];
                a.RemoveAt(i);
                return item;
            default: throw Bad($"unable to remove nonexistent key: {last}: missing value");
        }
    }
}
