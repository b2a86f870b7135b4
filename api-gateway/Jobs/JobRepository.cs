using k8s;
using k8s.Models;
using Nexus.Crds.Entities;
using Nexus.Gateway.Kube;

namespace Nexus.Gateway.Jobs;

/// <summary>The gateway's writes and direct reads of AiJobs, AiJobBatches and result ConfigMaps in its namespace.</summary>
public sealed class JobRepository(IKubernetes client, string ns)
{
    public string Namespace => ns;

    public Task<AiJob> CreateJobAsync(AiJob job, CancellationToken ct) => KubeCall.Run(
        () => client.CustomObjects.CreateNamespacedCustomObjectAsync<AiJob>(job, NexusGroup.Group, NexusGroup.Version, ns,
            AiJob.Plural, cancellationToken: ct), "create an AiJob", ct);

    public Task<AiJob?> GetJobAsync(string name, CancellationToken ct) => GetOrNull(
        () => client.CustomObjects.GetNamespacedCustomObjectAsync<AiJob>(NexusGroup.Group, NexusGroup.Version, ns,
            AiJob.Plural, name, ct), "read an AiJob", ct);

    /// <summary>A JSON merge patch; one that carries metadata.resourceVersion fails with 409 if the job changed since.</summary>
    public Task<AiJob> MergePatchJobAsync(string name, string patchJson, CancellationToken ct) => KubeCall.Run(
        () => client.CustomObjects.PatchNamespacedCustomObjectAsync<AiJob>(new V1Patch(patchJson, V1Patch.PatchType.MergePatch),
            NexusGroup.Group, NexusGroup.Version, ns, AiJob.Plural, name, cancellationToken: ct), "patch an AiJob", ct);

    public Task<AiJobBatch> CreateBatchAsync(AiJobBatch batch, CancellationToken ct) => KubeCall.Run(
        () => client.CustomObjects.CreateNamespacedCustomObjectAsync<AiJobBatch>(batch, NexusGroup.Group, NexusGroup.Version, ns,
            AiJobBatch.Plural, cancellationToken: ct), "create an AiJobBatch", ct);

    public Task<AiJobBatch?> GetBatchAsync(string name, CancellationToken ct) => GetOrNull(
        () => client.CustomObjects.GetNamespacedCustomObjectAsync<AiJobBatch>(NexusGroup.Group, NexusGroup.Version, ns,
            AiJobBatch.Plural, name, ct), "read an AiJobBatch", ct);

    public Task<V1ConfigMap?> GetConfigMapAsync(string name, CancellationToken ct) => GetOrNull(
        () => client.CoreV1.ReadNamespacedConfigMapAsync(name, ns, cancellationToken: ct), "read a ConfigMap", ct);

    public Task<V1ConfigMap> CreateConfigMapAsync(V1ConfigMap configMap, CancellationToken ct) => KubeCall.Run(
        () => client.CoreV1.CreateNamespacedConfigMapAsync(configMap, ns, cancellationToken: ct), "create a ConfigMap", ct);

    public async Task DeleteConfigMapAsync(string name, string? resourceVersion, CancellationToken ct)
    {
        var options = new V1DeleteOptions
        {
            Preconditions = resourceVersion is null ? null : new V1Preconditions { ResourceVersion = resourceVersion },
        };
        try
        {
            await KubeCall.Run(() => client.CoreV1.DeleteNamespacedConfigMapAsync(name, ns, options, cancellationToken: ct),
                "delete a ConfigMap", ct).ConfigureAwait(false);
        }
        catch (k8s.Autorest.HttpOperationException ex) when (KubeErrors.IsNotFound(ex) || KubeErrors.IsConflict(ex))
        {
            // Already gone, or changed since it was read: either way not ours to delete now.
        }
    }

    public Task<V1ConfigMapList> ListConfigMapsAsync(string labelSelector, CancellationToken ct) => KubeCall.Run(
        () => client.CoreV1.ListNamespacedConfigMapAsync(ns, labelSelector: labelSelector, cancellationToken: ct), "list ConfigMaps", ct);

    private static async Task<T?> GetOrNull<T>(Func<Task<T>> call, string what, CancellationToken ct) where T : class
    {
        try
        {
            return await KubeCall.Run(call, what, ct).ConfigureAwait(false);
        }
        catch (k8s.Autorest.HttpOperationException ex) when (KubeErrors.IsNotFound(ex))
        {
            return null;
        }
    }
}
