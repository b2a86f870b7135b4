using Nexus.KubeApiServer.Patching;

namespace Nexus.KubeApiServer.Api;

/// <summary>The scale subresource: an autoscaling/v1 Scale view of an object's replica paths.</summary>
public sealed partial class ResourceOperations
{
    public static JsonObject ScaleOf(StoredObject o)
    {
        var spec = o.Type.Scale!;
        var replicas = Json.GetPath(o.Node, spec.SpecReplicasPath)?.DeepClone() ?? 0;
        var selector = spec.LabelSelectorPath is { } p
            ? Json.ScalarText(Json.GetPath(o.Node, p))
            : o.Node["spec"]?["selector"]?["matchLabels"] is JsonObject labels
                ? string.Join(",", labels.Select(kv => $"{kv.Key}={Json.ScalarText(kv.Value)}"))
                : null;
        var status = new JsonObject { ["replicas"] = Json.GetPath(o.Node, spec.StatusReplicasPath)?.DeepClone() ?? 0 };
        if (selector is not null) status["selector"] = selector;
        return new JsonObject
        {
            ["kind"] = "Scale",
            ["apiVersion"] = "autoscaling/v1",
            ["metadata"] = new JsonObject
            {
                ["name"] = o.Name, ["namespace"] = o.Namespace.Length > 0 ? o.Namespace : null, ["uid"] = o.Uid,
                ["resourceVersion"] = o.ResourceVersion.ToString(), ["creationTimestamp"] = o.Metadata["creationTimestamp"]?.DeepClone(),
            },
            ["spec"] = new JsonObject { ["replicas"] = replicas },
            ["status"] = status,
        };
    }

    /// <summary>PUT or PATCH of /scale: the new Scale's spec.replicas is written to the object's replica path.</summary>
    public WriteResult UpdateScale(ResourceType type, string? ns, string name, Func<JsonObject, JsonObject> change, WriteOptions write)
    {
        lock (store.Gate)
        {
            var old = store.Get(type, Ns(type, ns), name) ?? throw ApiException.NotFound(type, name);
            var scale = change(ScaleOf(old));
            CheckResourceVersion(type, old, Json.Str(scale["metadata"], "resourceVersion"), required: false);
            var replicas = scale["spec"]?["replicas"];
            if (Json.Long(replicas) is not { } n || n < 0)
                throw new ApiException(422, "Invalid", $"Scale.autoscaling \"{name}\" is invalid: spec.replicas: Invalid value: {replicas?.ToJsonString() ?? "null"}: must be greater than or equal to 0",
                    new JsonObject { ["name"] = name, ["group"] = "autoscaling", ["kind"] = "Scale" });
            var next = old.Clone();
            Json.SetPath(next, type.Scale!.SpecReplicasPath, n);
            return Commit(type, old, next, null, write);
        }
    }

    public static JsonObject PatchScale(JsonObject scale, string contentType, byte[] body)
    {
        var mediaType = contentType.Split(';')[0].Trim().ToLowerInvariant();
        JsonNode? patch;
        try { patch = JsonNode.Parse(body); }
        catch (JsonException e) { throw ApiException.BadRequest($"error decoding patch: {e.Message}"); }
        return mediaType switch
        {
            JsonPatchType => JsonPatch.Apply(scale, patch),
            MergePatchType or StrategicPatchType => MergePatch.Apply(scale, patch),
            _ => throw ApiException.UnsupportedMediaType(contentType, $"{JsonPatchType}, {MergePatchType}, {StrategicPatchType}"),
        } as JsonObject ?? throw ApiException.BadRequest("the patched Scale is not an object");
    }
}
