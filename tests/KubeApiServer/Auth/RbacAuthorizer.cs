using Nexus.KubeApiServer.Builtins;

namespace Nexus.KubeApiServer.Auth;

/// <summary>
/// kube-apiserver's RBAC authorizer over the stored Roles, ClusterRoles, RoleBindings and ClusterRoleBindings:
/// ClusterRoleBindings grant their ClusterRole everywhere, RoleBindings grant a Role or ClusterRole in their own
/// namespace; a rule matches on verbs, API groups, resources (<c>res</c>, <c>res/sub</c>, <c>*</c>, <c>*/sub</c>),
/// resourceNames and nonResourceURLs (exact, or a prefix ending in <c>*</c>). An aggregated ClusterRole
/// (aggregationRule.clusterRoleSelectors) holds the rules of every ClusterRole its selectors match, as the
/// aggregation controller keeps it. Subjects: ServiceAccount (namespace defaults to the RoleBinding's), User, Group.
/// There are no deny rules: anything not granted is forbidden. system:masters is allowed everything, and the
/// discovery and public-info paths kube-apiserver's bootstrap roles open are allowed to every caller.
/// </summary>
public sealed class RbacAuthorizer(ObjectStore store)
{
    // system:public-info-viewer (every caller) and system:discovery / system:basic-user (authenticated callers).
    static readonly string[] PublicPaths = ["/healthz", "/livez", "/readyz", "/version", "/version/"];
    static readonly string[] DiscoveryPrefixes = ["/api", "/apis", "/openapi"];

    public bool Allows(UserInfo user, RequestAttributes request)
    {
        if (user.IsMaster) return true;
        if (!request.IsResource)
        {
            if (PublicPaths.Contains(request.Path)) return true;
            if (user.Groups.Contains(UserInfo.Authenticated) &&
                DiscoveryPrefixes.Any(p => request.Path == p || request.Path.StartsWith(p + "/", StringComparison.Ordinal)) &&
                !IsResourcePath(request.Path))
                return true;
        }
        lock (store.Gate)
        {
            foreach (var binding in store.List(BuiltinTypes.ClusterRoleBindings, null))
            {
                if (!Binds(binding.Node, user, bindingNamespace: null)) continue;
                if (RoleRef(binding.Node) is ("ClusterRole", var name) && RulesOfClusterRole(name).Any(r => Matches(r, request)))
                    return true;
            }
            if (request.Namespace is not { } ns) return false;
            foreach (var binding in store.List(BuiltinTypes.RoleBindings, ns))
            {
                if (!Binds(binding.Node, user, ns)) continue;
                var rules = RoleRef(binding.Node) switch
                {
                    ("Role", var name) => RulesOf(store.Get(BuiltinTypes.Roles, ns, name)),
                    ("ClusterRole", var name) => RulesOfClusterRole(name),
                    _ => [],
                };
                // A RoleBinding grants nothing outside its namespace and no non-resource URLs.
                if (rules.Any(r => request.IsResource && Matches(r, request))) return true;
            }
        }
        return false;
    }

    // Discovery documents are /api, /api/v1, /apis, /apis/G, /apis/G/V; anything deeper names a resource.
    static bool IsResourcePath(string path)
    {
        var segs = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        return segs.Length > 0 && (segs[0] == "api" ? segs.Length > 2 : segs[0] == "apis" && segs.Length > 3);
    }

    static (string Kind, string Name) RoleRef(JsonObject binding) =>
        (Json.Str(binding["roleRef"], "kind") ?? "", Json.Str(binding["roleRef"], "name") ?? "");

    static bool Binds(JsonObject binding, UserInfo user, string? bindingNamespace)
    {
        if (binding["subjects"] is not JsonArray subjects) return false;
        foreach (var s in subjects.OfType<JsonObject>())
        {
            var name = Json.Str(s, "name") ?? "";
            switch (Json.Str(s, "kind"))
            {
                case "ServiceAccount":
                    var ns = Json.Str(s, "namespace") is { Length: > 0 } n ? n : bindingNamespace;
                    if (ns is not null && user.Name == $"system:serviceaccount:{ns}:{name}") return true;
                    break;
                case "User":
                    if (user.Name == name) return true;
                    break;
                case "Group":
                    if (user.Groups.Contains(name)) return true;
                    break;
            }
        }
        return false;
    }

    IEnumerable<JsonObject> RulesOfClusterRole(string name)
    {
        var role = store.Get(BuiltinTypes.ClusterRoles, "", name);
        if (role is null) return [];
        if (role.Node["aggregationRule"]?["clusterRoleSelectors"] is not JsonArray selectors) return RulesOf(role);
        // The aggregation controller's result: the rules of every other ClusterRole a selector matches.
        var rules = new List<JsonObject>(RulesOf(role));
        foreach (var other in store.List(BuiltinTypes.ClusterRoles, null))
            if (other.Name != name && selectors.OfType<JsonObject>().Any(sel => SelectorMatches(sel, other)))
                rules.AddRange(RulesOf(other));
        return rules;
    }

    static IEnumerable<JsonObject> RulesOf(StoredObject? role) =>
        role?.Node["rules"] is JsonArray rules ? rules.OfType<JsonObject>() : [];

    /// <summary>A metav1.LabelSelector (matchLabels and matchExpressions In/NotIn/Exists/DoesNotExist).</summary>
    static bool SelectorMatches(JsonObject selector, StoredObject o)
    {
        if (selector["matchLabels"] is JsonObject labels)
            foreach (var (key, value) in labels)
                if (o.Label(key) != Json.ScalarText(value)) return false;
        if (selector["matchExpressions"] is JsonArray expressions)
            foreach (var e in expressions.OfType<JsonObject>())
            {
                var key = Json.Str(e, "key") ?? "";
                var values = e["values"] is JsonArray v ? v.Select(Json.ScalarText).ToList() : [];
                var ok = Json.Str(e, "operator") switch
                {
                    "In" => o.HasLabel(key) && values.Contains(o.Label(key)),
                    "NotIn" => !o.HasLabel(key) || !values.Contains(o.Label(key)),
                    "Exists" => o.HasLabel(key),
                    "DoesNotExist" => !o.HasLabel(key),
                    _ => false,
                };
                if (!ok) return false;
            }
        // An empty selector matches everything, as metav1.LabelSelectorAsSelector does.
        return true;
    }

    static bool Matches(JsonObject rule, RequestAttributes r)
    {
        if (!Contains(rule["verbs"], r.Verb)) return false;
        if (!r.IsResource)
            return rule["nonResourceURLs"] is JsonArray urls && urls.Select(Json.ScalarText).Any(u =>
                u == "*" || u == r.Path || (u is { Length: > 0 } && u.EndsWith('*') && r.Path.StartsWith(u[..^1], StringComparison.Ordinal)));
        if (!Contains(rule["apiGroups"], r.Group)) return false;
        if (rule["resources"] is not JsonArray resources) return false;
        var combined = r.Subresource is null ? r.Resource : $"{r.Resource}/{r.Subresource}";
        var resourceOk = resources.Select(Json.ScalarText).Any(res =>
            res == "*" || res == combined || (r.Subresource is not null && res == "*/" + r.Subresource));
        if (!resourceOk) return false;
        if (rule["resourceNames"] is JsonArray { Count: > 0 } names)
            return r.Name is not null && names.Select(Json.ScalarText).Contains(r.Name);
        return true;
    }

    static bool Contains(JsonNode? list, string value) =>
        list is JsonArray a && a.Select(Json.ScalarText).Any(v => v == "*" || v == value);
}
