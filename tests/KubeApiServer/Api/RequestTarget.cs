using Nexus.KubeApiServer.Builtins;

namespace Nexus.KubeApiServer.Api;

public enum TargetKind { Unknown, Version, Health, CoreVersions, GroupList, Group, GroupVersion, OpenApiIndex, OpenApiGroupVersion, OpenApiV2, Resource }

/// <summary>What a request path addresses: a discovery document, an OpenAPI document, or a resource.</summary>
public sealed class RequestTarget
{
    public TargetKind Kind { get; private init; }
    public string Group { get; private init; } = "";
    public string Version { get; private init; } = "";
    public ResourceType? Type { get; private init; }
    public string? Namespace { get; private init; }
    public string? Name { get; private init; }
    public string? Subresource { get; private init; }
    public bool WatchPrefix { get; private init; }

    /// <summary>The Kubernetes verb (get, list, watch, create, update, patch, delete, deletecollection), or the HTTP method for non-resource paths.</summary>
    public string Verb(HttpRequest request)
    {
        if (Kind != TargetKind.Resource) return request.Method.ToLowerInvariant();
        var watch = WatchPrefix || (request.Query.TryGetValue("watch", out var w) && w.Count > 0 && HttpIo.ParseFlag(w[0]));
        return request.Method switch
        {
            "GET" when Name is null => watch ? "watch" : "list",
            "GET" => watch ? "watch" : "get",
            "POST" => "create",
            "PUT" => "update",
            "PATCH" => "patch",
            "DELETE" when Name is null => "deletecollection",
            "DELETE" => "delete",
            _ => request.Method.ToLowerInvariant(),
        };
    }

    public static RequestTarget Parse(string path, ResourceRegistry registry)
    {
        var segs = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (segs.Length == 0) return new RequestTarget { Kind = TargetKind.Unknown };
        switch (segs[0])
        {
            case "version": return new RequestTarget { Kind = TargetKind.Version };
            case "healthz" or "livez" or "readyz": return new RequestTarget { Kind = TargetKind.Health };
            case "openapi":
                if (segs.Length >= 2 && segs[1] == "v2") return new RequestTarget { Kind = TargetKind.OpenApiV2 };
                if (segs.Length == 2 && segs[1] == "v3") return new RequestTarget { Kind = TargetKind.OpenApiIndex };
                if (segs.Length == 4 && segs[1] == "v3" && segs[2] == "api")
                    return new RequestTarget { Kind = TargetKind.OpenApiGroupVersion, Version = segs[3] };
                if (segs.Length == 5 && segs[1] == "v3" && segs[2] == "apis")
                    return new RequestTarget { Kind = TargetKind.OpenApiGroupVersion, Group = segs[3], Version = segs[4] };
                return new RequestTarget { Kind = TargetKind.Unknown };
            case "api":
                if (segs.Length == 1) return new RequestTarget { Kind = TargetKind.CoreVersions };
                if (segs.Length == 2) return new RequestTarget { Kind = TargetKind.GroupVersion, Version = segs[1] };
                return Resource(registry, "", segs[1], segs[2..]);
            case "apis":
                if (segs.Length == 1) return new RequestTarget { Kind = TargetKind.GroupList };
                if (segs.Length == 2) return new RequestTarget { Kind = TargetKind.Group, Group = segs[1] };
                if (segs.Length == 3) return new RequestTarget { Kind = TargetKind.GroupVersion, Group = segs[1], Version = segs[2] };
                return Resource(registry, segs[1], segs[2], segs[3..]);
            default:
                return new RequestTarget { Kind = TargetKind.Unknown };
        }
    }

    static RequestTarget Resource(ResourceRegistry registry, string group, string version, string[] rest)
    {
        var watch = false;
        if (rest.Length > 0 && rest[0] == "watch")
        {
            watch = true;
            rest = rest[1..];
        }
        if (rest.Length == 0) return new RequestTarget { Kind = TargetKind.Unknown };
        if (rest[0] == "namespaces" && rest.Length >= 3 && registry.Find(group, version, rest[2]) is { Namespaced: true } nsType)
        {
            if (rest.Length > 5) return new RequestTarget { Kind = TargetKind.Unknown };
            return new RequestTarget
            {
                Kind = TargetKind.Resource, Group = group, Version = version, Type = nsType, Namespace = rest[1],
                Name = rest.Length > 3 ? rest[3] : null, Subresource = rest.Length > 4 ? rest[4] : null, WatchPrefix = watch,
            };
        }
        var type = registry.Find(group, version, rest[0]);
        if (type is null || rest.Length > 3) return new RequestTarget { Kind = TargetKind.Unknown };
        if (rest.Length == 3 && !(rest[2] == "status" || (rest[2] == "scale" && type.Scale is not null) || (rest[2] == "finalize" && type == BuiltinTypes.Namespaces)))
            return new RequestTarget { Kind = TargetKind.Unknown };
        return new RequestTarget
        {
            Kind = TargetKind.Resource, Group = group, Version = version, Type = type,
            Name = rest.Length > 1 ? rest[1] : null, Subresource = rest.Length > 2 ? rest[2] : null, WatchPrefix = watch,
        };
    }
}
