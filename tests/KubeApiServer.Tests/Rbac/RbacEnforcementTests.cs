using System.Net.Http.Headers;
using System.Text;

namespace Nexus.KubeApiServer.Tests.Rbac;

/// <summary>
/// The stand-in with RBAC enforced, driven over real HTTP with ServiceAccount tokens it issued: what the bindings
/// grant is allowed (verbs, subresources, resourceNames, ClusterRoles bound in a namespace or cluster-wide,
/// aggregated ClusterRoles), everything else is 403 Forbidden with kube-apiserver's Status body.
/// </summary>
public sealed class RbacEnforcementTests : IAsyncLifetime
{
    private const string Ns = "team";
    private KubeApiServer _server = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _server = await KubeApiServer.StartAsync(new KubeApiServerOptions
        {
            EnforceRbac = true, Namespaces = { Ns, "other" }, CrdPaths = { Support.RepoRoot.Crds }, RecordRequests = false,
        });
        _http = new HttpClient { BaseAddress = new Uri(_server.Url) };
        _server.ApplyYaml($"""
            apiVersion: v1
            kind: ServiceAccount
            metadata: {"{"}name: app, namespace: {Ns}{"}"}
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: Role
            metadata: {"{"}name: app, namespace: {Ns}{"}"}
            rules:
              - apiGroups: ["nexus.ai"]
                resources: ["aijobs"]
                verbs: ["get", "list", "watch", "create"]
              - apiGroups: ["nexus.ai"]
                resources: ["aijobs/status"]
                verbs: ["patch"]
              - apiGroups: ["coordination.k8s.io"]
                resources: ["leases"]
                resourceNames: ["app-leader"]
                verbs: ["get", "update"]
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: RoleBinding
            metadata: {"{"}name: app, namespace: {Ns}{"}"}
            roleRef: {"{"}apiGroup: rbac.authorization.k8s.io, kind: Role, name: app{"}"}
            subjects:
              - kind: ServiceAccount
                name: app
            """);
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _server.DisposeAsync();
    }

    private async Task<(int Code, JsonObject? Body)> SendAsync(HttpMethod method, string path, string? token, string? body = null,
        string contentType = "application/json")
    {
        using var request = new HttpRequestMessage(method, path);
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (body is not null) request.Content = new StringContent(body, Encoding.UTF8, contentType);
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        if (method == HttpMethod.Get && path.Contains("watch=true", StringComparison.Ordinal)) return ((int)response.StatusCode, null);
        var text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, text.StartsWith('{') ? JsonNode.Parse(text)!.AsObject() : null);
    }

    private string App => _server.ServiceAccountToken(Ns, "app");
    private static string Jobs(string ns = Ns) => $"/apis/nexus.ai/v1/namespaces/{ns}/aijobs";

    private static string JobBody(string name) =>
        new JsonObject
        {
            ["apiVersion"] = "nexus.ai/v1", ["kind"] = "AiJob", ["metadata"] = new JsonObject { ["name"] = name },
            ["spec"] = new JsonObject { ["type"] = "pricing_recalculate", ["tenant"] = "acme", ["params"] = new JsonObject() },
        }.ToJsonString();

    private static void AssertForbidden((int Code, JsonObject? Body) answer, string message, string? name, string group, string resource)
    {
        Assert.Equal(403, answer.Code);
        var status = answer.Body!;
        Assert.Equal("Status", status["kind"]!.GetValue<string>());
        Assert.Equal("Failure", status["status"]!.GetValue<string>());
        Assert.Equal("Forbidden", status["reason"]!.GetValue<string>());
        Assert.Equal(403, status["code"]!.GetValue<int>());
        Assert.Equal(message, status["message"]!.GetValue<string>());
        Assert.Equal(name, status["details"]!["name"]?.GetValue<string>());
        Assert.Equal(group, status["details"]!["group"]!.GetValue<string>());
        Assert.Equal(resource, status["details"]!["kind"]!.GetValue<string>());
    }

    [Fact]
    public async Task Granted_verbs_work_and_others_are_forbidden_with_the_real_status()
    {
        Assert.Equal(201, (await SendAsync(HttpMethod.Post, Jobs(), App, JobBody("j1"))).Code);
        Assert.Equal(200, (await SendAsync(HttpMethod.Get, Jobs() + "/j1", App)).Code);
        Assert.Equal(200, (await SendAsync(HttpMethod.Get, Jobs(), App)).Code);
        Assert.Equal(200, (await SendAsync(HttpMethod.Get, Jobs() + "?watch=true&timeoutSeconds=1", App)).Code);

        AssertForbidden(await SendAsync(HttpMethod.Delete, Jobs() + "/j1", App),
            "aijobs.nexus.ai \"j1\" is forbidden: User \"system:serviceaccount:team:app\" cannot delete resource \"aijobs\" in API group \"nexus.ai\" in the namespace \"team\"",
            "j1", "nexus.ai", "aijobs");
        AssertForbidden(await SendAsync(HttpMethod.Get, "/api/v1/namespaces/team/secrets", App),
            "secrets is forbidden: User \"system:serviceaccount:team:app\" cannot list resource \"secrets\" in API group \"\" in the namespace \"team\"",
            null, "", "secrets");
        // A Role grants nothing outside its namespace, and nothing cluster-scoped.
        AssertForbidden(await SendAsync(HttpMethod.Get, Jobs("other"), App),
            "aijobs.nexus.ai is forbidden: User \"system:serviceaccount:team:app\" cannot list resource \"aijobs\" in API group \"nexus.ai\" in the namespace \"other\"",
            null, "nexus.ai", "aijobs");
        AssertForbidden(await SendAsync(HttpMethod.Get, "/api/v1/namespaces", App),
            "namespaces is forbidden: User \"system:serviceaccount:team:app\" cannot list resource \"namespaces\" in API group \"\" at the cluster scope",
            null, "", "namespaces");
        // The admin token (the server's kubeconfig) may do anything.
        Assert.Equal(200, (await SendAsync(HttpMethod.Delete, Jobs() + "/j1", new KubeApiServerOptions().Token)).Code);
    }

    [Fact]
    public async Task Subresources_are_authorized_apart_from_their_resource()
    {
        Assert.Equal(201, (await SendAsync(HttpMethod.Post, Jobs(), App, JobBody("j2"))).Code);
        const string patch = """{"status":{"phase":"Running"}}""";
        Assert.Equal(200, (await SendAsync(HttpMethod.Patch, Jobs() + "/j2/status", App, patch, "application/merge-patch+json")).Code);
        AssertForbidden(await SendAsync(HttpMethod.Patch, Jobs() + "/j2", App, """{"spec":{"cancel":true}}""", "application/merge-patch+json"),
            "aijobs.nexus.ai \"j2\" is forbidden: User \"system:serviceaccount:team:app\" cannot patch resource \"aijobs\" in API group \"nexus.ai\" in the namespace \"team\"",
            "j2", "nexus.ai", "aijobs");
        AssertForbidden(await SendAsync(HttpMethod.Put, Jobs() + "/j2/status", App, JobBody("j2")),
            "aijobs.nexus.ai \"j2\" is forbidden: User \"system:serviceaccount:team:app\" cannot update resource \"aijobs/status\" in API group \"nexus.ai\" in the namespace \"team\"",
            "j2", "nexus.ai", "aijobs");
    }

    [Fact]
    public async Task ResourceNames_limit_a_rule_to_the_named_objects()
    {
        const string leases = "/apis/coordination.k8s.io/v1/namespaces/team/leases";
        // Allowed, and then simply absent.
        Assert.Equal(404, (await SendAsync(HttpMethod.Get, leases + "/app-leader", App)).Code);
        AssertForbidden(await SendAsync(HttpMethod.Get, leases + "/someone-else", App),
            "leases.coordination.k8s.io \"someone-else\" is forbidden: User \"system:serviceaccount:team:app\" cannot get resource \"leases\" in API group \"coordination.k8s.io\" in the namespace \"team\"",
            "someone-else", "coordination.k8s.io", "leases");
        // A named rule does not grant listing or creating (no name to check).
        Assert.Equal(403, (await SendAsync(HttpMethod.Get, leases, App)).Code);
        Assert.Equal(403, (await SendAsync(HttpMethod.Post, leases, App,
            """{"apiVersion":"coordination.k8s.io/v1","kind":"Lease","metadata":{"name":"app-leader"}}""")).Code);
    }

    [Fact]
    public async Task Aggregated_cluster_roles_bound_in_a_namespace_or_cluster_wide()
    {
        _server.ApplyYaml($"""
            apiVersion: v1
            kind: ServiceAccount
            metadata: {"{"}name: viewer, namespace: {Ns}{"}"}
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRole
            metadata: {"{"}name: view-all{"}"}
            aggregationRule:
              clusterRoleSelectors:
                - matchLabels: {"{"}example.com/aggregate-to-view: "true"{"}"}
            rules: []
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRole
            metadata:
              name: view-jobs
              labels: {"{"}example.com/aggregate-to-view: "true"{"}"}
            rules:
              - apiGroups: ["nexus.ai"]
                resources: ["*"]
                verbs: ["get", "list"]
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: RoleBinding
            metadata: {"{"}name: viewer, namespace: {Ns}{"}"}
            roleRef: {"{"}apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view-all{"}"}
            subjects:
              - kind: ServiceAccount
                name: viewer
                namespace: {Ns}
            """);
        var viewer = _server.ServiceAccountToken(Ns, "viewer");
        Assert.Equal(200, (await SendAsync(HttpMethod.Get, Jobs(), viewer)).Code);
        Assert.Equal(200, (await SendAsync(HttpMethod.Get, $"/apis/nexus.ai/v1/namespaces/{Ns}/workerpools", viewer)).Code);
        Assert.Equal(403, (await SendAsync(HttpMethod.Get, Jobs("other"), viewer)).Code); // bound in "team" only
        Assert.Equal(403, (await SendAsync(HttpMethod.Post, Jobs(), viewer, JobBody("j3"))).Code);

        // Cluster-wide through a ClusterRoleBinding to a group every ServiceAccount of the namespace is in.
        _server.ApplyYaml($"""
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRoleBinding
            metadata: {"{"}name: team-views-everything{"}"}
            roleRef: {"{"}apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view-all{"}"}
            subjects:
              - kind: Group
                name: system:serviceaccounts:{Ns}
            """);
        Assert.Equal(200, (await SendAsync(HttpMethod.Get, Jobs("other"), viewer)).Code);

        // The aggregated role follows its selector: the part that no longer carries the label no longer counts.
        _server.ApplyYaml("""
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRole
            metadata: {name: view-jobs}
            rules:
              - apiGroups: ["nexus.ai"]
                resources: ["*"]
                verbs: ["get", "list"]
            """);
        Assert.Equal(403, (await SendAsync(HttpMethod.Get, Jobs(), viewer)).Code);
    }

    [Fact]
    public async Task Callers_are_authenticated_by_their_token()
    {
        // No credentials: anonymous, which may read the public info paths and nothing else.
        Assert.Equal(200, (await SendAsync(HttpMethod.Get, "/version", null)).Code);
        Assert.Equal(200, (await SendAsync(HttpMethod.Get, "/readyz", null)).Code);
        var anonymous = await SendAsync(HttpMethod.Get, Jobs(), null);
        Assert.Equal(403, anonymous.Code);
        Assert.Contains("User \"system:anonymous\" cannot list resource \"aijobs\"", anonymous.Body!["message"]!.GetValue<string>());
        Assert.Equal(403, (await SendAsync(HttpMethod.Get, "/apis", null)).Code);
        // Authenticated callers may read discovery.
        Assert.Equal(200, (await SendAsync(HttpMethod.Get, "/apis", App)).Code);

        // A token the server did not issue, or one for another account forged from a valid one: 401.
        var forged = App.Replace("team.app.", "team.admin.", StringComparison.Ordinal);
        foreach (var bad in new[] { "not-a-token", forged })
        {
            var (code, body) = await SendAsync(HttpMethod.Get, Jobs(), bad);
            Assert.Equal(401, code);
            Assert.Equal("Unauthorized", body!["reason"]!.GetValue<string>());
        }

        // TokenRequest (kubectl create token) issues a working token; deleting the account revokes it.
        _server.ApplyYaml($"apiVersion: v1\nkind: ServiceAccount\nmetadata: {{name: temp, namespace: {Ns}}}\n");
        var issued = await SendAsync(HttpMethod.Post, $"/api/v1/namespaces/{Ns}/serviceaccounts/temp/token", new KubeApiServerOptions().Token,
            """{"apiVersion":"authentication.k8s.io/v1","kind":"TokenRequest","spec":{"expirationSeconds":600}}""");
        Assert.Equal(201, issued.Code);
        var token = issued.Body!["status"]!["token"]!.GetValue<string>();
        Assert.Equal(403, (await SendAsync(HttpMethod.Get, Jobs(), token)).Code); // authenticated, not authorized
        Assert.Equal(200, (await SendAsync(HttpMethod.Delete, $"/api/v1/namespaces/{Ns}/serviceaccounts/temp", new KubeApiServerOptions().Token)).Code);
        Assert.Equal(401, (await SendAsync(HttpMethod.Get, Jobs(), token)).Code);
    }
}
