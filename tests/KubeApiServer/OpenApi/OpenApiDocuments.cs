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

/// <summary>
/// /openapi/v2 as JSON (Swagger 2.0): the custom resources' schemas and operations, with the patch types each
/// accepts. Built-ins are left out, so kubectl computes their strategic merge patches from its compiled-in types,
/// as it does against a server whose v2 document lacks them. Protobuf (what client-go's discovery asks for) is
/// not produced: such a request is 406, which kubectl treats like an absent document.
/// </summary>
public static class OpenApiV2
{
    public const string ProtobufMediaType = "application/com.github.proto-openapi.spec.v2@v1.0+protobuf";

    /// <summary>Whether the Accept header allows JSON (absent, */*, application/*, application/json).</summary>
    public static bool AcceptsJson(string? accept) =>
        string.IsNullOrWhiteSpace(accept) || accept.Split(',').Select(p => p.Split(';')[0].Trim())
            .Any(m => m is "*/*" or "application/*" or "application/json");

    // Schema keywords Swagger 2.0 has; OpenAPI v3 ones (nullable, oneOf, anyOf, not) are dropped, as the API
    // server does when it publishes CRD schemas in v2.
    static readonly HashSet<string> V2Keywords =
    [
        "type", "format", "title", "description", "default", "multipleOf", "maximum", "exclusiveMaximum", "minimum",
        "exclusiveMinimum", "maxLength", "minLength", "pattern", "maxItems", "minItems", "uniqueItems", "maxProperties",
        "minProperties", "required", "enum", "properties", "items", "allOf", "additionalProperties", "example",
    ];

    static JsonNode? ToV2(JsonNode? schema)
    {
        if (schema is not JsonObject o) return schema?.DeepClone();
        var result = new JsonObject();
        foreach (var (key, value) in o)
        {
            if (!V2Keywords.Contains(key) && !key.StartsWith("x-", StringComparison.Ordinal)) continue;
            result[key] = key switch
            {
                "properties" when value is JsonObject props => new JsonObject(props.Select(p => KeyValuePair.Create(p.Key, ToV2(p.Value)))),
                "items" or "additionalProperties" => ToV2(value),
                "allOf" when value is JsonArray all => new JsonArray(all.Select(ToV2).ToArray()),
                _ => value?.DeepClone(),
            };
        }
        return result;
    }

    static string Prefix(ResourceType t) => t.Group.Length == 0 ? $"/api/{t.Version}" : $"/apis/{t.Group}/{t.Version}";

    static JsonObject Operation(ResourceType t, string action, string id, string definition, params string[] consumes)
    {
        var op = new JsonObject
        {
            ["operationId"] = id,
            ["produces"] = new JsonArray("application/json", "application/yaml"),
            ["schemes"] = new JsonArray("https"),
            ["responses"] = new JsonObject
            {
                ["200"] = new JsonObject { ["description"] = "OK", ["schema"] = new JsonObject { ["$ref"] = $"#/definitions/{definition}" } },
                ["401"] = new JsonObject { ["description"] = "Unauthorized" },
            },
            ["x-kubernetes-action"] = action,
            ["x-kubernetes-group-version-kind"] = new JsonObject { ["group"] = t.Group, ["kind"] = t.Kind, ["version"] = t.Version },
        };
        if (consumes.Length > 0) op["consumes"] = new JsonArray(consumes.Select(c => (JsonNode?)c).ToArray());
        return op;
    }

    public static JsonObject Document(ResourceRegistry.Snapshot snapshot)
    {
        var paths = new JsonObject();
        var definitions = new JsonObject();
        foreach (var t in snapshot.Types.Where(t => t.IsCustom))
        {
            var definition = string.Join('.', t.Group.Split('.').Reverse()) + $".{t.Version}.{t.Kind}";
            var schema = ToV2(t.Schema) as JsonObject ?? new JsonObject { ["type"] = "object" };
            schema["x-kubernetes-group-version-kind"] = new JsonArray(new JsonObject { ["group"] = t.Group, ["kind"] = t.Kind, ["version"] = t.Version });
            definitions[definition] = schema;
            var collection = t.Namespaced ? $"{Prefix(t)}/namespaces/{{namespace}}/{t.Plural}" : $"{Prefix(t)}/{t.Plural}";
            paths[collection] = new JsonObject
            {
                ["get"] = Operation(t, "list", $"list{t.Kind}", definition),
                ["post"] = Operation(t, "post", $"create{t.Kind}", definition, "application/json", "application/yaml"),
            };
            paths[$"{collection}/{{name}}"] = new JsonObject
            {
                ["get"] = Operation(t, "get", $"read{t.Kind}", definition),
                ["put"] = Operation(t, "put", $"replace{t.Kind}", definition, "application/json", "application/yaml"),
                ["patch"] = Operation(t, "patch", $"patch{t.Kind}", definition,
                    "application/json-patch+json", "application/merge-patch+json", "application/apply-patch+yaml"),
                ["delete"] = Operation(t, "delete", $"delete{t.Kind}", definition),
            };
        }
        return new JsonObject
        {
            ["swagger"] = "2.0",
            ["info"] = new JsonObject { ["title"] = "Kubernetes", ["version"] = KubeVersion.GitVersion },
            ["paths"] = paths,
            ["definitions"] = definitions,
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
