namespace Nexus.KubeApiServer.Patching;

/// <summary>RFC 7386 JSON merge patch (application/merge-patch+json).</summary>
public static class MergePatch
{
    public static JsonNode? Apply(JsonNode? target, JsonNode? patch)
    {
        if (patch is not JsonObject p) return patch?.DeepClone();
        var result = target as JsonObject ?? new JsonObject();
        foreach (var (key, value) in p)
        {
            if (value is null) result.Remove(key);
            else result[key] = Apply(result[key] is { } existing ? Detach(result, key, existing) : null, value);
        }
        return result;
    }

    // A node can have only one parent: take the child out before re-inserting the merged result.
    static JsonNode Detach(JsonObject parent, string key, JsonNode child)
    {
        parent.Remove(key);
        return child;
    }
}
