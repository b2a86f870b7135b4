namespace Nexus.KubeApiServer.Auth;

/// <summary>
/// What a request asks to do, as kube-apiserver's RequestInfo describes it to the authorizer: a verb on a resource
/// (group, resource, subresource, namespace, name) or on a non-resource path.
/// </summary>
public sealed record RequestAttributes(string Verb, bool IsResource, string Group, string Resource, string? Subresource,
    string? Namespace, string? Name, string Path)
{
    public static RequestAttributes For(RequestTarget target, HttpRequest request)
    {
        var verb = target.Verb(request);
        if (target.Kind != TargetKind.Resource || target.Type is not { } type)
            return new RequestAttributes(verb, false, "", "", null, null, null, request.Path.Value ?? "/");
        var name = target.Name;
        // A list or watch narrowed to one name by fieldSelector=metadata.name=x is authorized as that name
        // (kube-apiserver does the same, so resourceNames rules can grant watching one object).
        if (name is null && verb is "list" or "watch" && request.Query["fieldSelector"].ToString() is { Length: > 0 } fields)
        {
            foreach (var term in fields.Split(','))
            {
                var parts = term.Split('=', 2);
                if (parts.Length == 2 && parts[0] == "metadata.name") name = parts[1].TrimStart('=');
            }
        }
        return new RequestAttributes(verb, true, type.Group, type.Plural, target.Subresource,
            type.Namespaced ? target.Namespace : null, name, request.Path.Value ?? "/");
    }

    /// <summary>The Forbidden message kube-apiserver writes (staging/src/k8s.io/apiserver/pkg/endpoints/handlers/responsewriters).</summary>
    public string ForbiddenMessage(UserInfo user)
    {
        if (!IsResource) return $"forbidden: User \"{user.Name}\" cannot {Verb} path \"{Path}\"";
        var resource = Subresource is null ? Resource : $"{Resource}/{Subresource}";
        var scope = Namespace is null ? "at the cluster scope" : $"in the namespace \"{Namespace}\"";
        var qualified = Group.Length == 0 ? Resource : $"{Resource}.{Group}";
        var subject = Name is null ? qualified : $"{qualified} \"{Name}\"";
        return $"{subject} is forbidden: User \"{user.Name}\" cannot {Verb} resource \"{resource}\" in API group \"{Group}\" {scope}";
    }
}
