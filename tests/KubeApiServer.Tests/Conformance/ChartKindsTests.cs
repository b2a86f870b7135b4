using Nexus.KubeApiServer.Tests.Support;

namespace Nexus.KubeApiServer.Tests.Conformance;

/// <summary>The kinds the Helm chart renders besides workloads: RBAC, NetworkPolicy, PodDisruptionBudget, Ingress.</summary>
public class ChartKindsTests
{
    [Theory, StandIn, RealCluster]
    public async Task Rbac_objects_round_trip_and_bindings_name_their_subjects(string target)
    {
        var t = await ClusterTarget.GetAsync(target);
        var ns = await t.NewNamespaceAsync();
        var role = await t.Client.RbacAuthorizationV1.CreateNamespacedRoleAsync(new V1Role
        {
            Metadata = new V1ObjectMeta { Name = "operator" },
            Rules = [new V1PolicyRule { ApiGroups = ["nexus.ai"], Resources = ["aijobs", "aijobs/status"], Verbs = ["get", "list", "watch", "patch"] }],
        }, ns);
        Assert.Equal(ns, role.Metadata.NamespaceProperty);
        await t.Client.RbacAuthorizationV1.CreateNamespacedRoleBindingAsync(new V1RoleBinding
        {
            Metadata = new V1ObjectMeta { Name = "operator" },
            RoleRef = new V1RoleRef { ApiGroup = "rbac.authorization.k8s.io", Kind = "Role", Name = "operator" },
            Subjects = [new Rbacv1Subject { Kind = "ServiceAccount", Name = "operator", NamespaceProperty = ns }],
        }, ns);
        var binding = await t.Client.RbacAuthorizationV1.ReadNamespacedRoleBindingAsync("operator", ns);
        Assert.Equal("operator", binding.Subjects.Single().Name);
        Assert.Equal(["aijobs", "aijobs/status"], (await t.Client.RbacAuthorizationV1.ReadNamespacedRoleAsync("operator", ns)).Rules.Single().Resources);

        var name = "nexus-test-" + Guid.NewGuid().ToString("N")[..8];
        var clusterRole = await t.Client.RbacAuthorizationV1.CreateClusterRoleAsync(new V1ClusterRole
        {
            Metadata = new V1ObjectMeta { Name = name },
            Rules = [new V1PolicyRule { ApiGroups = [""], Resources = ["namespaces"], Verbs = ["get"] }],
        });
        Assert.Null(clusterRole.Metadata.NamespaceProperty);
        await t.Client.RbacAuthorizationV1.CreateClusterRoleBindingAsync(new V1ClusterRoleBinding
        {
            Metadata = new V1ObjectMeta { Name = name },
            RoleRef = new V1RoleRef { ApiGroup = "rbac.authorization.k8s.io", Kind = "ClusterRole", Name = name },
            Subjects = [new Rbacv1Subject { Kind = "ServiceAccount", Name = "operator", NamespaceProperty = ns }],
        });
        Assert.Contains((await t.Client.RbacAuthorizationV1.ListClusterRoleBindingAsync()).Items, b => b.Metadata.Name == name);
        await t.Client.RbacAuthorizationV1.DeleteClusterRoleBindingAsync(name);
        await t.Client.RbacAuthorizationV1.DeleteClusterRoleAsync(name);
        var (code, _) = await StatusOf.FailureAsync(() => t.Client.RbacAuthorizationV1.ReadClusterRoleAsync(name));
        Assert.Equal(404, code);
    }

    [Theory, StandIn, RealCluster]
    public async Task PodDisruptionBudget_has_status_and_bumps_generation_on_spec_changes(string target)
    {
        var t = await ClusterTarget.GetAsync(target);
        var ns = await t.NewNamespaceAsync();
        var pdb = await t.Client.PolicyV1.CreateNamespacedPodDisruptionBudgetAsync(new V1PodDisruptionBudget
        {
            Metadata = new V1ObjectMeta { Name = "workers" },
            Spec = new V1PodDisruptionBudgetSpec
            {
                MaxUnavailable = (IntOrString)"1",
                Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "w" } },
            },
        }, ns);
        Assert.Equal(1, pdb.Metadata.Generation);
        Assert.NotNull(pdb.Status);
        Assert.Equal(0, pdb.Status.DisruptionsAllowed);
        await t.Client.PolicyV1.PatchNamespacedPodDisruptionBudgetAsync(
            new V1Patch("""{"metadata":{"labels":{"x":"y"}}}""", V1Patch.PatchType.MergePatch), "workers", ns);
        Assert.Equal(1, (await t.Client.PolicyV1.ReadNamespacedPodDisruptionBudgetAsync("workers", ns)).Metadata.Generation);
        await t.Client.PolicyV1.PatchNamespacedPodDisruptionBudgetAsync(
            new V1Patch("""{"spec":{"maxUnavailable":2}}""", V1Patch.PatchType.MergePatch), "workers", ns);
        Assert.Equal(2, (await t.Client.PolicyV1.ReadNamespacedPodDisruptionBudgetAsync("workers", ns)).Metadata.Generation);
    }

    [Theory, StandIn, RealCluster]
    public async Task NetworkPolicy_and_Ingress_are_served_in_networking_k8s_io(string target)
    {
        var t = await ClusterTarget.GetAsync(target);
        var ns = await t.NewNamespaceAsync();
        await t.Client.NetworkingV1.CreateNamespacedNetworkPolicyAsync(new V1NetworkPolicy
        {
            Metadata = new V1ObjectMeta { Name = "workers" },
            Spec = new V1NetworkPolicySpec
            {
                PodSelector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "w" } },
                PolicyTypes = ["Ingress"],
                Ingress = [new V1NetworkPolicyIngressRule { Ports = [new V1NetworkPolicyPort { Port = (IntOrString)"8080", Protocol = "TCP" }] }],
            },
        }, ns);
        var policies = await t.Client.NetworkingV1.ListNamespacedNetworkPolicyAsync(ns);
        Assert.Equal("8080", policies.Items.Single().Spec.Ingress.Single().Ports.Single().Port.Value);

        var ingress = await t.Client.NetworkingV1.CreateNamespacedIngressAsync(new V1Ingress
        {
            Metadata = new V1ObjectMeta { Name = "gateway" },
            Spec = new V1IngressSpec
            {
                Rules = [new V1IngressRule
                {
                    Host = "ai-jobs.example.com",
                    Http = new V1HTTPIngressRuleValue
                    {
                        Paths = [new V1HTTPIngressPath
                        {
                            Path = "/api/ai-jobs", PathType = "Prefix",
                            Backend = new V1IngressBackend { Service = new V1IngressServiceBackend { Name = "gateway", Port = new V1ServiceBackendPort { Number = 80 } } },
                        }],
                    },
                }],
            },
        }, ns);
        Assert.Equal(1, ingress.Metadata.Generation);
        Assert.NotNull(ingress.Status?.LoadBalancer);

        var networking = await t.Client.NetworkingV1.GetAPIResourcesAsync();
        Assert.Contains(networking.Resources, r => r.Name == "networkpolicies" && r.Namespaced);
        Assert.Contains(networking.Resources, r => r.Name == "ingresses/status");
        var policy = await t.Client.PolicyV1.GetAPIResourcesAsync();
        Assert.Contains(policy.Resources, r => r.Name == "poddisruptionbudgets" && r.ShortNames.Contains("pdb"));
        var rbac = await t.Client.RbacAuthorizationV1.GetAPIResourcesAsync();
        Assert.Contains(rbac.Resources, r => r.Name == "clusterroles" && !r.Namespaced);
    }
}
