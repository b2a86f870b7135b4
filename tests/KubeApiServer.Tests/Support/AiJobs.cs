using System.Text.Json;

namespace Nexus.KubeApiServer.Tests.Support;

/// <summary>AiJob custom objects through KubernetesClient's CustomObjects API.</summary>
public sealed class AiJobs(Kubernetes client, string ns)
{
    public const string Group = "nexus.ai";
    public const string Version = "v1";
    public const string Plural = "aijobs";

    public static JsonObject New(string? name = null, string type = "pricing_recalculate", string tenant = "acme",
        string? generateName = null, IDictionary<string, string>? labels = null)
    {
        var meta = new JsonObject();
        if (name is not null) meta["name"] = name;
        if (generateName is not null) meta["generateName"] = generateName;
        if (labels is not null) meta["labels"] = new JsonObject(labels.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value)));
        return new JsonObject
        {
            ["apiVersion"] = "nexus.ai/v1",
            ["kind"] = "AiJob",
            ["metadata"] = meta,
            ["spec"] = new JsonObject { ["type"] = type, ["tenant"] = tenant, ["params"] = new JsonObject { ["skus"] = new JsonArray("SKU-1") } },
        };
    }

    static JsonObject Node(object o) => JsonSerializer.SerializeToNode(o)!.AsObject();

    public async Task<JsonObject> CreateAsync(JsonObject body, string? fieldValidation = null) =>
        Node(await client.CustomObjects.CreateNamespacedCustomObjectAsync(body, Group, Version, ns, Plural, fieldValidation: fieldValidation));

    public async Task<JsonObject> GetAsync(string name) =>
        Node(await client.CustomObjects.GetNamespacedCustomObjectAsync(Group, Version, ns, Plural, name));

    public async Task<bool> ExistsAsync(string name)
    {
        try
        {
            await GetAsync(name);
            return true;
        }
        catch (k8s.Autorest.HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return false;
        }
    }

    public async Task<JsonObject> ReplaceAsync(JsonObject body) =>
        Node(await client.CustomObjects.ReplaceNamespacedCustomObjectAsync(body, Group, Version, ns, Plural, Name(body)));

    public async Task<JsonObject> ReplaceStatusAsync(JsonObject body) =>
        Node(await client.CustomObjects.ReplaceNamespacedCustomObjectStatusAsync(body, Group, Version, ns, Plural, Name(body)));

    public async Task<JsonObject> PatchAsync(string name, string patch, V1Patch.PatchType type = V1Patch.PatchType.MergePatch,
        string? fieldValidation = null) =>
        Node(await client.CustomObjects.PatchNamespacedCustomObjectAsync(new V1Patch(patch, type), Group, Version, ns, Plural, name,
            fieldValidation: fieldValidation));

    public async Task<JsonObject> PatchStatusAsync(string name, string patch) =>
        Node(await client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(new V1Patch(patch, V1Patch.PatchType.MergePatch), Group, Version, ns, Plural, name));

    public async Task<JsonObject> DeleteAsync(string name, string? propagation = null) =>
        Node(await client.CustomObjects.DeleteNamespacedCustomObjectAsync(Group, Version, ns, Plural, name,
            new V1DeleteOptions { PropagationPolicy = propagation }));

    public async Task<JsonObject> ListAsync(string? labelSelector = null, string? fieldSelector = null, int? limit = null, string? continueToken = null) =>
        Node(await client.CustomObjects.ListNamespacedCustomObjectAsync(Group, Version, ns, Plural,
            labelSelector: labelSelector, fieldSelector: fieldSelector, limit: limit, continueParameter: continueToken));

    public WatchCollector Watch(string? resourceVersion, bool bookmarks = false, int? timeoutSeconds = null, string? labelSelector = null) =>
        new(client.CustomObjects.ListNamespacedCustomObjectWithHttpMessagesAsync(Group, Version, ns, Plural,
            resourceVersion: resourceVersion, watch: true, allowWatchBookmarks: bookmarks, timeoutSeconds: timeoutSeconds,
            labelSelector: labelSelector));

    static string Name(JsonObject o) => o["metadata"]!["name"]!.GetValue<string>();
    public static string Rv(JsonObject o) => o["metadata"]!["resourceVersion"]!.GetValue<string>();
    public static long Generation(JsonObject o) => o["metadata"]!["generation"]!.GetValue<long>();
}
