using Nexus.KubeApiServer.Tests.Support;

namespace Nexus.KubeApiServer.Tests.Conformance;

/// <summary>Finalizers, deletionTimestamp and ownerReference cascades (Background, Foreground, Orphan).</summary>
public class DeletionTests
{
    [Theory, StandIn, RealCluster]
    public async Task Finalizers_keep_the_object_until_removed(string target)
    {
        var t = await ClusterTarget.GetAsync(target);
        var jobs = new AiJobs(t.Client, await t.NewNamespaceAsync());
        var body = AiJobs.New("fin");
        body["metadata"]!["finalizers"] = new JsonArray("nexus.ai/cleanup");
        var created = await jobs.CreateAsync(body);
        using var watch = jobs.Watch(AiJobs.Rv(created));

        var answer = await jobs.DeleteAsync("fin");
        Assert.NotNull(answer["metadata"]?["deletionTimestamp"]);
        var terminating = await jobs.GetAsync("fin");
        Assert.NotNull(terminating["metadata"]!["deletionTimestamp"]);
        Assert.Equal(WatchEventType.Modified, (await watch.NextAsync()).Type);

        await jobs.PatchAsync("fin", """{"metadata":{"finalizers":null}}""");
        var deleted = await watch.NextMatchingAsync((type, _) => type == WatchEventType.Deleted);
        Assert.Equal("fin", deleted.Object["metadata"]!["name"]!.GetValue<string>());
        Assert.False(await jobs.ExistsAsync("fin"));
    }

    [Theory, StandIn, RealCluster]
    public async Task Delete_without_finalizers_answers_a_Success_status_or_the_object(string target)
    {
        var t = await ClusterTarget.GetAsync(target);
        var jobs = new AiJobs(t.Client, await t.NewNamespaceAsync());
        await jobs.CreateAsync(AiJobs.New("gone"));
        var answer = await jobs.DeleteAsync("gone");
        Assert.True(answer["status"]?.GetValue<string>() == "Success" || answer["metadata"]?["name"]?.GetValue<string>() == "gone");
        Assert.False(await jobs.ExistsAsync("gone"));
    }

    static async Task<(Kubernetes Client, string Ns, V1ConfigMap Owner, V1ConfigMap Child)> OwnedPairAsync(ClusterTarget t)
    {
        var ns = await t.NewNamespaceAsync();
        var owner = await t.Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "owner" } }, ns);
        var child = await t.Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap
        {
            Metadata = new V1ObjectMeta
            {
                Name = "child",
                OwnerReferences = [new V1OwnerReference { ApiVersion = "v1", Kind = "ConfigMap", Name = "owner", Uid = owner.Metadata.Uid, BlockOwnerDeletion = true }],
            },
        }, ns);
        return (t.Client, ns, owner, child);
    }

    static async Task<bool> ExistsAsync(Kubernetes client, string ns, string name)
    {
        var list = await client.CoreV1.ListNamespacedConfigMapAsync(ns, fieldSelector: $"metadata.name={name}");
        return list.Items.Count > 0;
    }

    [Theory, StandIn, RealCluster]
    public async Task Background_deletion_collects_dependents_afterwards(string target)
    {
        var (client, ns, _, _) = await OwnedPairAsync(await ClusterTarget.GetAsync(target));
        await client.CoreV1.DeleteNamespacedConfigMapAsync("owner", ns, new V1DeleteOptions { PropagationPolicy = "Background" });
        Assert.False(await ExistsAsync(client, ns, "owner"));
        await Eventually.UntilAsync(async () => !await ExistsAsync(client, ns, "child"), "the dependent to be collected", TimeSpan.FromSeconds(60));
    }

    [Theory, StandIn, RealCluster]
    public async Task Foreground_deletion_removes_dependents_before_the_owner(string target)
    {
        var (client, ns, _, _) = await OwnedPairAsync(await ClusterTarget.GetAsync(target));
        await client.CoreV1.DeleteNamespacedConfigMapAsync("owner", ns, new V1DeleteOptions { PropagationPolicy = "Foreground" });
        await Eventually.UntilAsync(async () => !await ExistsAsync(client, ns, "owner"), "the owner to go", TimeSpan.FromSeconds(60));
        Assert.False(await ExistsAsync(client, ns, "child"));
    }

    [Theory, StandIn, RealCluster]
    public async Task Orphan_deletion_keeps_dependents_without_the_owner_reference(string target)
    {
        var (client, ns, _, _) = await OwnedPairAsync(await ClusterTarget.GetAsync(target));
        await client.CoreV1.DeleteNamespacedConfigMapAsync("owner", ns, new V1DeleteOptions { PropagationPolicy = "Orphan" });
        await Eventually.UntilAsync(async () => !await ExistsAsync(client, ns, "owner"), "the owner to go", TimeSpan.FromSeconds(60));
        var child = await client.CoreV1.ReadNamespacedConfigMapAsync("child", ns);
        Assert.True(child.Metadata.OwnerReferences is null || child.Metadata.OwnerReferences.Count == 0);
    }
}
