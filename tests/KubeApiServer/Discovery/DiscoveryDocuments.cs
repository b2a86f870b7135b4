namespace Nexus.KubeApiServer.Discovery;

/// <summary>
/// /api, /apis, /apis/G, /apis/G/V and /api/v1: the legacy documents, and the aggregated
/// apidiscovery.k8s.io/v2 form kubectl asks for first.
/// </summary>
public static class DiscoveryDocuments
{
    public const string AggregatedContentType = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";

    public static bool WantsAggregated(string? accept) => accept is not null && accept.Split(',').Any(part =>
    {
        var p = part.Split(';').Select(x => x.Trim()).ToList();
        return p.Contains("g=apidiscovery.k8s.io") && p.Contains("v=v2") && p.Contains("as=APIGroupDiscoveryList");
    });

    static readonly string[] AllVerbs = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];

    static IEnumerable<IGrouping<string, ResourceType>> Groups(IReadOnlyList<ResourceType> types, bool core) =>
        types.Where(t => (t.Group.Length == 0) == core).GroupBy(t => t.Group).OrderBy(g => g.Key == "apiextensions.k8s.io" ? 1 : 0);

    public static JsonObject CoreVersions(string serverAddress) => new()
    {
        ["kind"] = "APIVersions",
        ["versions"] = new JsonArray("v1"),
        ["serverAddressByClientCIDRs"] = new JsonArray(new JsonObject { ["clientCIDR"] = "0.0.0.0/0", ["serverAddress"] = serverAddress }),
    };

    static IEnumerable<string> VersionsOf(IEnumerable<ResourceType> group) => group.Select(t => t.Version).Distinct();

    public static JsonObject ApiGroup(IGrouping<string, ResourceType> g)
    {
        var versions = VersionsOf(g).ToList();
        return new JsonObject
        {
            ["name"] = g.Key,
            ["versions"] = new JsonArray(versions.Select(v => (JsonNode?)new JsonObject { ["groupVersion"] = $"{g.Key}/{v}", ["version"] = v }).ToArray()),
            ["preferredVersion"] = new JsonObject { ["groupVersion"] = $"{g.Key}/{versions[0]}", ["version"] = versions[0] },
        };
    }

    public static JsonObject GroupList(IReadOnlyList<ResourceType> types) => new()
    {
        ["kind"] = "APIGroupList",
        ["apiVersion"] = "v1",
        ["groups"] = new JsonArray(Groups(types, core: false).Select(g => (JsonNode?)ApiGroup(g)).ToArray()),
    };

    public static JsonObject? Group(IReadOnlyList<ResourceType> types, string group)
    {
        var g = Groups(types, core: false).FirstOrDefault(x => x.Key == group);
        if (g is null) return null;
        var doc = ApiGroup(g);
        doc["kind"] = "APIGroup";
        doc["apiVersion"] = "v1";
        return doc;
    }

    public static JsonObject? ResourceList(IReadOnlyList<ResourceType> types, string group, string version)
    {
        var matching = types.Where(t => t.Group == group && t.Version == version).ToList();
        if (matching.Count == 0) return null;
        var resources = new JsonArray();
        foreach (var t in matching)
        {
            var r = new JsonObject
            {
                ["name"] = t.Plural, ["singularName"] = t.Singular, ["namespaced"] = t.Namespaced, ["kind"] = t.Kind,
                ["verbs"] = new JsonArray(AllVerbs.Select(v => (JsonNode?)v).ToArray()),
            };
            if (t.ShortNames.Length > 0) r["shortNames"] = new JsonArray(t.ShortNames.Select(s => (JsonNode?)s).ToArray());
            if (t.Categories.Length > 0) r["categories"] = new JsonArray(t.Categories.Select(s => (JsonNode?)s).ToArray());
            resources.Add(r);
            if (t.HasStatus)
                resources.Add(new JsonObject
                {
                    ["name"] = $"{t.Plural}/status", ["singularName"] = "", ["namespaced"] = t.Namespaced, ["kind"] = t.Kind,
                    ["verbs"] = new JsonArray("get", "patch", "update"),
                });
            if (t.Scale is not null)
                resources.Add(new JsonObject
                {
                    ["name"] = $"{t.Plural}/scale", ["singularName"] = "", ["namespaced"] = t.Namespaced, ["group"] = "autoscaling",
                    ["version"] = "v1", ["kind"] = "Scale", ["verbs"] = new JsonArray("get", "patch", "update"),
                });
        }
        return new JsonObject
        {
            ["kind"] = "APIResourceList",
            ["apiVersion"] = "v1",
            ["groupVersion"] = group.Length == 0 ? version : $"{group}/{version}",
            ["resources"] = resources,
        };
    }

    /// <summary>APIGroupDiscoveryList for /api (core) or /apis (every other group).</summary>
    public static JsonObject Aggregated(IReadOnlyList<ResourceType> types, bool core)
    {
        var items = new JsonArray();
        foreach (var g in Groups(types, core))
        {
            var versions = new JsonArray();
            foreach (var v in VersionsOf(g))
            {
                var resources = new JsonArray();
                foreach (var t in g.Where(t => t.Version == v))
                {
                    var r = new JsonObject
                    {
                        ["resource"] = t.Plural,
                        ["responseKind"] = Kind(t.Group, t.Version, t.Kind),
                        ["scope"] = t.Namespaced ? "Namespaced" : "Cluster",
                        ["singularResource"] = t.Singular,
                        ["verbs"] = new JsonArray(AllVerbs.Select(x => (JsonNode?)x).ToArray()),
                    };
                    if (t.ShortNames.Length > 0) r["shortNames"] = new JsonArray(t.ShortNames.Select(s => (JsonNode?)s).ToArray());
                    if (t.Categories.Length > 0) r["categories"] = new JsonArray(t.Categories.Select(s => (JsonNode?)s).ToArray());
                    var subs = new JsonArray();
                    if (t.HasStatus)
                        subs.Add(new JsonObject
                        {
                            ["subresource"] = "status", ["responseKind"] = Kind(t.Group, t.Version, t.Kind),
                            ["verbs"] = new JsonArray("get", "patch", "update"),
                        });
                    if (t.Scale is not null)
                        subs.Add(new JsonObject
                        {
                            ["subresource"] = "scale", ["responseKind"] = Kind("autoscaling", "v1", "Scale"),
                            ["verbs"] = new JsonArray("get", "patch", "update"),
                        });
                    if (subs.Count > 0) r["subresources"] = subs;
                    resources.Add(r);
                }
                versions.Add(new JsonObject { ["version"] = v, ["resources"] = resources, ["freshness"] = "Current" });
            }
            var meta = new JsonObject { ["creationTimestamp"] = null };
            if (!core) meta["name"] = g.Key;
            items.Add(new JsonObject { ["metadata"] = meta, ["versions"] = versions });
        }
        return new JsonObject
        {
            ["kind"] = "APIGroupDiscoveryList",
            ["apiVersion"] = "apidiscovery.k8s.io/v2",
            ["metadata"] = new JsonObject(),
            ["items"] = items,
        };
    }

    static JsonObject Kind(string group, string version, string kind) => new() { ["group"] = group, ["version"] = version, ["kind"] = kind };
}
