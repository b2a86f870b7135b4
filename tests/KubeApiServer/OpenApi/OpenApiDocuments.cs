namespace Nexus.KubeApiServer.OpenApi;

/// <summary>
/// /openapi/v3 and its per-group-version documents. kubectl apply reads them to learn that PATCH accepts
/// fieldValidation (then validates on the server); the CRD schemas are published as component schemas.
/// </summary>
public static class OpenApiDocuments
{
    static string GvPath(string group, string version) => group.Length == 0 ? $"api/{version}" : $"apis/{group}/{version}";

    public static JsonObject Index(ResourceRegistry.Snapshot snapshot)
    {
        var paths = new JsonObject();
        foreach (var gv in snapshot.Types.Select(t => (t.Group, t.Version)).Distinct())
            paths[GvPath(gv.Group, gv.Version)] = new JsonObject
            {
                ["serverRelativeURL"] = $"/openapi/v3/{GvPath(gv.Group, gv.Version)}?hash={Hash(snapshot)}",
            };
        return new JsonObject { ["paths"] = paths };
    }

    public static string Hash(ResourceRegistry.Snapshot snapshot) => $"{snapshot.Version:X16}";

    static JsonObject Gvk(ResourceType t) => new() { ["group"] = t.Group, ["version"] = t.Version, ["kind"] = t.Kind };

    static string SchemaName(ResourceType t)
    {
        var reversed = string.Join('.', (t.Group.Length == 0 ? "io.k8s.api.core" : t.Group).Split('.').Reverse());
        return $"{reversed}.{t.Version}.{t.Kind}";
    }

    static JsonObject Param(string name, string description) => new()
    {
        ["name"] = name, ["in"] = "query", ["description"] = description, ["schema"] = new JsonObject { ["type"] = "string", ["uniqueItems"] = true },
    };

    static JsonObject Operation(ResourceType t, string action, string id, params JsonObject[] parameters)
    {
        var op = new JsonObject
        {
            ["operationId"] = id,
            ["responses"] = new JsonObject
            {
                ["200"] = new JsonObject
                {
                    ["description"] = "OK",
                    ["content"] = new JsonObject
                    {
                        ["application/json"] = new JsonObject { ["schema"] = new JsonObject { ["$ref"] = $"#/components/schemas/{SchemaName(t)}" } },
                    },
                },
            },
            ["x-kubernetes-action"] = action,
            ["x-kubernetes-group-version-kind"] = Gvk(t),
        };
        if (parameters.Length > 0) op["parameters"] = new JsonArray(parameters.Select(p => (JsonNode?)p).ToArray());
        return op;
    }

    public static JsonObject? GroupVersion(ResourceRegistry.Snapshot snapshot, string group, string version)
    {
        var types = snapshot.Types.Where(t => t.Group == group && t.Version == version).ToList();
        if (types.Count == 0) return null;
        var paths = new JsonObject();
        var schemas = new JsonObject();
        var prefix = "/" + GvPath(group, version);
        foreach (var t in types)
        {
            var collection = t.Namespaced ? $"{prefix}/namespaces/{{namespace}}/{t.Plural}" : $"{prefix}/{t.Plural}";
            var id = t.Kind;
            paths[collection] = new JsonObject
            {
                ["get"] = Operation(t, "list", $"list{id}", Param("labelSelector", "label selector"), Param("fieldSelector", "field selector"),
                    Param("limit", "page size"), Param("continue", "continue token"), Param("watch", "watch")),
                ["post"] = Operation(t, "post", $"create{id}", Param("dryRun", "dry run"), Param("fieldManager", "field manager"),
                    Param("fieldValidation", "fieldValidation instructs the server on how to handle objects in the request containing unknown or duplicate fields")),
                ["delete"] = Operation(t, "deletecollection", $"deletecollection{id}"),
            };
            var patch = Operation(t, "patch", $"patch{id}", Param("dryRun", "dry run"), Param("fieldManager", "field manager"),
                Param("fieldValidation", "fieldValidation instructs the server on how to handle objects in the request containing unknown or duplicate fields"),
                Param("force", "force apply"));
            patch["requestBody"] = new JsonObject
            {
                ["content"] = new JsonObject
                {
                    ["application/json-patch+json"] = new JsonObject { ["schema"] = new JsonObject { ["type"] = "object" } },
                    ["application/merge-patch+json"] = new JsonObject { ["schema"] = new JsonObject { ["type"] = "object" } },
                    ["application/apply-patch+yaml"] = new JsonObject { ["schema"] = new JsonObject { ["type"] = "object" } },
                },
                ["required"] = true,
            };
            paths[$"{collection}/{{name}}"] = new JsonObject
            {
                ["get"] = Operation(t, "get", $"read{id}"),
                ["put"] = Operation(t, "put", $"replace{id}", Param("dryRun", "dry run"), Param("fieldManager", "field manager"),
                    Param("fieldValidation", "fieldValidation instructs the server on how to handle objects in the request containing unknown or duplicate fields")),
                ["patch"] = patch,
                ["delete"] = Operation(t, "delete", $"delete{id}", Param("dryRun", "dry run"), Param("propagationPolicy", "propagation policy")),
            };
            var schema = t.Schema?.DeepClone() as JsonObject ?? new JsonObject { ["type"] = "object", ["x-kubernetes-preserve-unknown-fields"] = true };
            schema["x-kubernetes-group-version-kind"] = new JsonArray(Gvk(t));
            schemas[SchemaName(t)] = schema;
        }
        return new JsonObject
        {
            ["openapi"] = "3.0.0",
            ["info"] = new JsonObject { ["title"] = "Kubernetes", ["version"] = KubeVersion.GitVersion },
            ["paths"] = paths,
            ["components"] = new JsonObject { ["schemas"] = schemas },
        };
    }
}

/// <summary>The version this server claims: kubectl's dispatcher picks the matching kubectl from it.</summary>
public static class KubeVersion
{
    public const string GitVersion = "v1.32.4";

    public static JsonObject Document() => new()
    {
        ["major"] = "1",
        ["minor"] = "32",
        ["gitVersion"] = GitVersion,
        ["gitCommit"] = "59526cd4867447956156ae3a602fcbac10a2c335",
        ["gitTreeState"] = "clean",
        ["buildDate"] = "2025-04-22T16:02:27Z",
        ["goVersion"] = "go1.23.6",
        ["compiler"] = "gc",
        ["platform"] = "linux/amd64",
    };
}
