namespace Nexus.KubeApiServer.Model;

/// <summary>Reads an apiextensions.k8s.io/v1 CustomResourceDefinition into the resource types it serves.</summary>
public static class CrdReader
{
    public static List<ResourceType> Read(JsonObject crd, out List<StatusCause> problems)
    {
        problems = new List<StatusCause>();
        var spec = crd["spec"] as JsonObject;
        var names = spec?["names"] as JsonObject;
        var group = Json.Str(spec, "group");
        var plural = Json.Str(names, "plural");
        var kind = Json.Str(names, "kind");
        var scope = Json.Str(spec, "scope");
        if (string.IsNullOrEmpty(group)) problems.Add(new("FieldValueRequired", "Required value", "spec.group"));
        if (string.IsNullOrEmpty(plural)) problems.Add(new("FieldValueRequired", "Required value", "spec.names.plural"));
        if (string.IsNullOrEmpty(kind)) problems.Add(new("FieldValueRequired", "Required value", "spec.names.kind"));
        if (scope is not ("Namespaced" or "Cluster"))
            problems.Add(new("FieldValueNotSupported", $"Unsupported value: \"{scope}\": supported values: \"Cluster\", \"Namespaced\"", "spec.scope"));
        var name = Json.Str(crd["metadata"], "name");
        if (group is not null && plural is not null && name != $"{plural}.{group}")
            problems.Add(new("FieldValueInvalid", $"Invalid value: \"{name}\": must be spec.names.plural+\".\"+spec.group", "metadata.name"));
        if (spec?["versions"] is not JsonArray versions || versions.Count == 0)
        {
            problems.Add(new("FieldValueRequired", "Required value: must have exactly one version marked as storage version", "spec.versions"));
            return [];
        }
        for (var i = 0; i < versions.Count; i++)
            if (versions[i]?["schema"]?["openAPIV3Schema"] is JsonObject rules)
                problems.AddRange(Cel.CelRules.Check(rules, $"spec.versions[{i}].schema.openAPIV3Schema"));
        if (problems.Count > 0) return [];

        var result = new List<ResourceType>();
        foreach (var v in versions.OfType<JsonObject>())
        {
            if (v["served"] is JsonValue served && served.TryGetValue<bool>(out var s) && !s) continue;
            var subresources = v["subresources"] as JsonObject;
            var scale = subresources?["scale"] is JsonObject sc
                ? new ScaleSpec(Json.Str(sc, "specReplicasPath") ?? ".spec.replicas",
                    Json.Str(sc, "statusReplicasPath") ?? ".status.replicas", Json.Str(sc, "labelSelectorPath"))
                : null;
            result.Add(new ResourceType
            {
                Group = group!,
                Version = Json.Str(v, "name") ?? "v1",
                Kind = kind!,
                Plural = plural!,
                Singular = Json.Str(names, "singular") ?? kind!.ToLowerInvariant(),
                ShortNames = Strings(names?["shortNames"]),
                Categories = Strings(names?["categories"]),
                Namespaced = scope == "Namespaced",
                HasStatus = subresources?["status"] is not null,
                Scale = scale,
                Schema = (v["schema"]?["openAPIV3Schema"] as JsonObject)?.DeepClone() as JsonObject,
                Columns = Columns(v["additionalPrinterColumns"] as JsonArray),
                IsCustom = true,
                Generation = GenerationPolicy.AllButMetadata,
                RequireResourceVersionOnUpdate = true,
            });
        }
        return result;
    }

    static string[] Strings(JsonNode? node) =>
        node is JsonArray a ? a.Select(x => x?.GetValue<string>() ?? "").Where(x => x.Length > 0).ToArray() : [];

    static List<PrinterColumn> Columns(JsonArray? columns)
    {
        if (columns is null || columns.Count == 0)
            return [new PrinterColumn("Age", "date", ".metadata.creationTimestamp", null, null, 0)];
        return columns.OfType<JsonObject>().Select(c => new PrinterColumn(
            Json.Str(c, "name") ?? "",
            Json.Str(c, "type") ?? "string",
            Json.Str(c, "jsonPath") ?? "",
            Json.Str(c, "format"),
            Json.Str(c, "description"),
            c["priority"] is JsonValue p && p.TryGetValue<int>(out var prio) ? prio : 0)).ToList();
    }

    /// <summary>The status the real server writes once a CRD's names are accepted and it is served.</summary>
    public static JsonObject EstablishedStatus(JsonObject crd)
    {
        var now = Json.Now();
        var names = crd["spec"]?["names"]?.DeepClone() ?? new JsonObject();
        var storage = (crd["spec"]?["versions"] as JsonArray)?.OfType<JsonObject>()
            .Where(v => v["storage"] is JsonValue s && s.TryGetValue<bool>(out var b) && b)
            .Select(v => (JsonNode?)JsonValue.Create(Json.Str(v, "name"))).ToArray() ?? [];
        return new JsonObject
        {
            ["conditions"] = new JsonArray(
                Condition("NamesAccepted", "NoConflicts", "no conflicts found", now),
                Condition("Established", "InitialNamesAccepted", "the initial names have been accepted", now)),
            ["acceptedNames"] = names,
            ["storedVersions"] = new JsonArray(storage),
        };
    }

    static JsonObject Condition(string type, string reason, string message, string now) => new()
    {
        ["type"] = type, ["status"] = "True", ["lastTransitionTime"] = now, ["reason"] = reason, ["message"] = message,
    };
}
