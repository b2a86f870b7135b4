using System.Text.RegularExpressions;
using Nexus.KubeApiServer.Builtins;

namespace Nexus.KubeApiServer.Api;

/// <summary>Metadata rules shared by every kind: names, server-managed fields, generation, no-op detection.</summary>
public static partial class ObjectRules
{
    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
    private static partial Regex Subdomain();
    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex Label();

    static readonly string[] ServerManaged =
        ["uid", "resourceVersion", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "generation", "selfLink"];

    /// <summary>Sets apiVersion/kind and checks the body belongs to this URL.</summary>
    public static JsonObject Prepare(ResourceType type, string? ns, JsonObject body)
    {
        var apiVersion = Json.Str(body, "apiVersion");
        var kind = Json.Str(body, "kind");
        if (kind is not null && kind != type.Kind)
            throw ApiException.BadRequest($"the kind in the data ({kind}) does not match the expected kind ({type.Kind})");
        if (apiVersion is not null && apiVersion != type.ApiVersion)
            throw ApiException.BadRequest($"the API version in the data ({apiVersion}) does not match the expected API version ({type.ApiVersion})");
        body["apiVersion"] = type.ApiVersion;
        body["kind"] = type.Kind;
        var meta = Json.Metadata(body);
        foreach (var key in meta.Where(kv => kv.Value is null).Select(kv => kv.Key).ToList()) meta.Remove(key);
        if (type.Namespaced)
        {
            var bodyNs = Json.Str(meta, "namespace");
            if (!string.IsNullOrEmpty(bodyNs) && bodyNs != ns)
                throw ApiException.BadRequest("the namespace of the provided object does not match the namespace sent on the request");
            meta["namespace"] = ns;
        }
        else meta.Remove("namespace");
        return body;
    }

    public static void StripServerManaged(JsonObject meta)
    {
        foreach (var f in ServerManaged) meta.Remove(f);
    }

    public static void ValidateName(ResourceType type, string name)
    {
        var dnsLabel = type == BuiltinTypes.Namespaces;
        var ok = dnsLabel ? name.Length <= 63 && Label().IsMatch(name) : name.Length <= 253 && Subdomain().IsMatch(name);
        if (ok) return;
        var what = dnsLabel
            ? "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
            : "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
        throw ApiException.Invalid(type, name, "FieldValueInvalid", "metadata.name", $"Invalid value: \"{name}\": {what}");
    }

    const string NameAlphabet = "bcdfghjklmnpqrstvwxz2456789";

    public static string GenerateName(string prefix)
    {
        if (prefix.Length > 58) prefix = prefix[..58];
        Span<char> suffix = stackalloc char[5];
        for (var i = 0; i < 5; i++) suffix[i] = NameAlphabet[Random.Shared.Next(NameAlphabet.Length)];
        return prefix + new string(suffix);
    }

    /// <summary>Copies the fields a client may not change from the stored object.</summary>
    public static void KeepServerManaged(JsonObject target, StoredObject old)
    {
        var meta = Json.Metadata(target);
        var oldMeta = old.Metadata;
        foreach (var f in new[] { "uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "generation", "name", "namespace" })
        {
            if (oldMeta[f] is { } v) meta[f] = v.DeepClone();
            else meta.Remove(f);
        }
    }

    public static long Generation(StoredObject o) =>
        Json.Long(o.Metadata["generation"]) ?? 0;

    /// <summary>Whether this write bumps metadata.generation under the kind's policy.</summary>
    public static bool GenerationChanges(ResourceType type, JsonObject oldNode, JsonObject newNode) => type.Generation switch
    {
        GenerationPolicy.AllButMetadata => oldNode.Select(kv => kv.Key).Union(newNode.Select(kv => kv.Key))
            .Where(k => k != "metadata" && !(type.HasStatus && k == "status"))
            .Any(k => !Json.Equal(oldNode[k], newNode[k])),
        GenerationPolicy.SpecAndAnnotations => !Json.Equal(oldNode["spec"], newNode["spec"]) ||
            !Json.Equal(oldNode["metadata"]?["annotations"], newNode["metadata"]?["annotations"]),
        GenerationPolicy.Spec => !Json.Equal(oldNode["spec"], newNode["spec"]),
        _ => false,
    };

    public static void BumpGeneration(ResourceType type, JsonObject node, long current)
    {
        if (type.Generation != GenerationPolicy.None) Json.Metadata(node)["generation"] = current + 1;
    }

    /// <summary>A write that changes nothing is not persisted (no new resourceVersion, no watch event).</summary>
    public static bool IsNoOp(StoredObject old, JsonObject candidate)
    {
        var meta = Json.Metadata(candidate);
        var rv = meta["resourceVersion"];
        meta["resourceVersion"] = old.ResourceVersion.ToString();
        var same = Json.Equal(old.Node, candidate);
        if (rv is null) meta.Remove("resourceVersion"); else meta["resourceVersion"] = rv.DeepClone();
        return same;
    }
}
