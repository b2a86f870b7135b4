using Nexus.KubeApiServer.Tests.Support;

namespace Nexus.KubeApiServer.Tests.Conformance;

/// <summary>Built-in kinds the platform uses, and discovery.</summary>
public class BuiltinTests
{
    [Theory, StandIn, RealCluster]
    public async Task Deployment_scale_subresource_and_generation(string target)
    {
        var t = await ClusterTarget.GetAsync(target);
        var ns = await t.NewNamespaceAsync();
        var labels = new Dictionary<string, string> { ["app"] = "w" };
        var created = await t.Client.AppsV1.CreateNamespacedDeploymentAsync(new V1Deployment
        {
            Metadata = new V1ObjectMeta { Name = "workers" },
            Spec = new V1DeploymentSpec
            {
                Replicas = 1,
                Selector = new V1LabelSelector { MatchLabels = labels },
                Template = new V1PodTemplateSpec
                {
                    Metadata = new V1ObjectMeta { Labels = labels },
                    Spec = new V1PodSpec { Containers = [new V1Container { Name = "w", Image = "registry.invalid/w:1" }] },
                },
            },
        }, ns);
        Assert.Equal(1, created.Metadata.Generation);
        var scale = await t.Client.AppsV1.ReadNamespacedDeploymentScaleAsync("workers", ns);
        Assert.Equal(1, scale.Spec.Replicas);
        Assert.Equal("app=w", scale.Status.Selector);
        await t.Client.AppsV1.PatchNamespacedDeploymentScaleAsync(new V1Patch("""{"spec":{"replicas":0}}""", V1Patch.PatchType.MergePatch), "workers", ns);
        var scaled = await t.Client.AppsV1.ReadNamespacedDeploymentAsync("workers", ns);
        Assert.Equal(0, scaled.Spec.Replicas);
        Assert.Equal(2, scaled.Metadata.Generation);
        await t.Client.AppsV1.PatchNamespacedDeploymentAsync(new V1Patch("""{"metadata":{"labels":{"x":"y"}}}""", V1Patch.PatchType.MergePatch), "workers", ns);
        Assert.Equal(2, (await t.Client.AppsV1.ReadNamespacedDeploymentAsync("workers", ns)).Metadata.Generation);
    }

    [Theory, StandIn, RealCluster]
    public async Task Lease_put_creates_and_updates_need_resourceVersion(string target)
    {
        var t = await ClusterTarget.GetAsync(target);
        var ns = await t.NewNamespaceAsync();
        var lease = new V1Lease
        {
            Metadata = new V1ObjectMeta { Name = "leader", NamespaceProperty = ns },
            Spec = new V1LeaseSpec { HolderIdentity = "a", LeaseDurationSeconds = 15, RenewTime = DateTime.UtcNow },
        };
        var created = await t.Client.CoordinationV1.ReplaceNamespacedLeaseAsync(lease, "leader", ns);
        Assert.Equal("a", created.Spec.HolderIdentity);
        created.Metadata.ResourceVersion = null;
        created.Spec.HolderIdentity = "b";
        var (code, _) = await StatusOf.FailureAsync(() => t.Client.CoordinationV1.ReplaceNamespacedLeaseAsync(created, "leader", ns));
        Assert.Equal(422, code);
    }

    [Theory, StandIn, RealCluster]
    public async Task Secret_stringData_merges_into_data(string target)
    {
        var t = await ClusterTarget.GetAsync(target);
        var ns = await t.NewNamespaceAsync();
        var secret = await t.Client.CoreV1.CreateNamespacedSecretAsync(new V1Secret
        {
            Metadata = new V1ObjectMeta { Name = "key", Labels = new Dictionary<string, string> { ["nexus.ai/api-key"] = "true" } },
            StringData = new Dictionary<string, string> { ["hash"] = "abc" },
        }, ns);
        Assert.Null(secret.StringData);
        Assert.Equal("abc", System.Text.Encoding.UTF8.GetString(secret.Data["hash"]));
        var listed = await t.Client.CoreV1.ListNamespacedSecretAsync(ns, labelSelector: "nexus.ai/api-key");
        Assert.Single(listed.Items);
    }

    [Theory, StandIn, RealCluster]
    public async Task Events_filter_by_involved_object(string target)
    {
        var t = await ClusterTarget.GetAsync(target);
        var ns = await t.NewNamespaceAsync();
        foreach (var (name, subject) in new[] { ("e1", "job-a"), ("e2", "job-b") })
            await t.Client.CoreV1.CreateNamespacedEventAsync(new Corev1Event
            {
                Metadata = new V1ObjectMeta { Name = name },
                InvolvedObject = new V1ObjectReference { Kind = "AiJob", Name = subject, NamespaceProperty = ns, ApiVersion = "nexus.ai/v1" },
                Reason = "Claimed", Message = "m", Type = "Normal",
            }, ns);
        var events = await t.Client.CoreV1.ListNamespacedEventAsync(ns, fieldSelector: "involvedObject.name=job-b,involvedObject.kind=AiJob");
        Assert.Equal(["e2"], events.Items.Select(e => e.Metadata.Name));
    }

    [Theory, StandIn, RealCluster]
    public async Task Creating_in_a_missing_namespace_is_404(string target)
    {
        var t = await ClusterTarget.GetAsync(target);
        var (code, status) = await StatusOf.FailureAsync(() =>
            t.Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "x" } }, "no-such-ns-" + Guid.NewGuid().ToString("N")[..6]));
        Assert.Equal(404, code);
        Assert.Equal("NotFound", status["reason"]!.GetValue<string>());
    }

    [Theory, StandIn, RealCluster]
    public async Task Discovery_lists_the_custom_group(string target)
    {
        var t = await ClusterTarget.GetAsync(target);
        var groups = await t.Client.Apis.GetAPIVersionsAsync();
        var nexus = Assert.Single(groups.Groups, g => g.Name == "nexus.ai");
        Assert.Equal("nexus.ai/v1", nexus.PreferredVersion.GroupVersion);
        Assert.Contains(groups.Groups, g => g.Name == "apps");
        Assert.Contains(groups.Groups, g => g.Name == "coordination.k8s.io");
        var core = await t.Client.CoreV1.GetAPIResourcesAsync();
        Assert.Contains(core.Resources, r => r.Name == "configmaps" && r.Namespaced);
    }
}
