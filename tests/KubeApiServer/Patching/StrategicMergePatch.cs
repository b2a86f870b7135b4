namespace Nexus.KubeApiServer.Patching;

/// <summary>
/// Strategic merge patch for built-ins, treated sensibly: a merge patch in which lists of objects whose
/// elements carry a known merge key (containers by name, conditions by type, ...) merge element-wise,
/// <c>$patch: delete|replace</c> directives apply, and <c>$setElementOrder</c>/<c>$retainKeys</c> hints are dropped.
/// </summary>
public static class StrategicMergePatch
{
    static readonly string[] MergeKeys = ["name", "type", "containerPort", "mountPath", "devicePath", "uid", "ip", "port"];

    public static JsonNode? Apply(JsonNode? target, JsonNode? patch)
    {
        if (patch is not JsonObject p) return patch?.DeepClone();
        if (Json.Str(p, "$patch") == "replace")
        {
            var replaced = (JsonObject)p.DeepClone();
            replaced.Remove("$patch");
            return replaced;
        }
        var result = target as JsonObject ?? new JsonObject();
        foreach (var (key, value) in p)
        {
            if (key.StartsWith("$setElementOrder/", StringComparison.Ordinal) || key == "$retainKeys" ||
                key.StartsWith("$deleteFromPrimitiveList/", StringComparison.Ordinal) || key == "$patch") continue;
            if (value is null) { result.Remove(key); continue; }
            var existing = result[key];
            if (existing is not null) result.Remove(key);
            result[key] = value switch
            {
                JsonArray patchList when existing is JsonArray live => MergeList(live, patchList),
                JsonObject => Apply(existing, value),
                _ => value.DeepClone(),
            };
        }
        if (p.FirstOrDefault(kv => kv.Key.StartsWith("$deleteFromPrimitiveList/", StringComparison.Ordinal)) is { Key: not null } del &&
            result[del.Key["$deleteFromPrimitiveList/".Length..]] is JsonArray prim && del.Value is JsonArray drop)
        {
            for (var i = prim.Count - 1; i >= 0; i--)
                if (drop.Any(d => Json.Equal(d, prim[i]))) prim.RemoveAt(i);
        }
        return result;
    }

    static JsonArray MergeList(JsonArray live, JsonArray patch)
    {
        var mergeKey = MergeKeys.FirstOrDefault(k =>
            patch.Count > 0 && patch.All(e => e is JsonObject o && o.ContainsKey(k)) &&
            live.All(e => e is JsonObject o && o.ContainsKey(k)));
        if (mergeKey is null) return (JsonArray)patch.DeepClone();
        var merged = new JsonArray(live.Select(e => e?.DeepClone()).ToArray());
        foreach (var element in patch.OfType<JsonObject>())
        {
            var keyValue = element[mergeKey];
            var index = -1;
            for (var i = 0; i < merged.Count; i++)
                if (Json.Equal(merged[i]?[mergeKey], keyValue)) { index = i; break; }
            if (Json.Str(element, "$patch") == "delete")
            {
                if (index >= 0) merged.RemoveAt(index);
                continue;
            }
            if (index >= 0)
            {
                var current = merged[index];
                merged[index] = null;
                merged[index] = Apply(current, element);
            }
            else merged.Add(Apply(null, element));
        }
        return merged;
    }
}
