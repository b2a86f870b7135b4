using k8s.Models;
using Nexus.Crds.Entities;
using Nexus.Shared;

namespace Nexus.Gateway.Kube;

/// <summary>
/// The gateway's writes and direct reads of AiJobs, AiJobBatches and ConfigMaps in its namespace, through the shared
/// <see cref="KubeApi"/>: answers the caller decides on arrive as <see cref="KubeApiException"/>; an API server that
/// cannot be reached as the transport's exception (both become 503 in the API layer).
/// </summary>
public sealed class KubeObjects(KubeApi api, string ns)
{
    public Task<AiJob> CreateJobAsync(AiJob job, CancellationToken ct) => api.CreateAsync(ResourceKind.AiJob.Collection(ns), job, ct);

    public Task<AiJob?> GetJobAsync(string name, CancellationToken ct) => api.GetAsync<AiJob>(ResourceKind.AiJob.Item(ns, name), ct);

    /// <summary>A JSON merge patch; one that carries metadata.resourceVersion fails with 409 if the job changed since.</summary>
    public Task<AiJob> MergePatchJobAsync(string name, object patch, CancellationToken ct) =>
        api.MergePatchAsync<AiJob>(ResourceKind.AiJob.Item(ns, name), patch, ct);

    public Task<AiJobBatch> CreateBatchAsync(AiJobBatch batch, CancellationToken ct) =>
        api.CreateAsync(ResourceKind.AiJobBatch.Collection(ns), batch, ct);

    public Task<AiJobBatch?> GetBatchAsync(string name, CancellationToken ct) =>
        api.GetAsync<AiJobBatch>(ResourceKind.AiJobBatch.Item(ns, name), ct);

    public Task<V1ConfigMap?> GetConfigMapAsync(string name, CancellationToken ct) =>
        api.GetAsync<V1ConfigMap>(ResourceKind.ConfigMap.Item(ns, name), ct);

    public Task<V1ConfigMap> CreateConfigMapAsync(V1ConfigMap configMap, CancellationToken ct) =>
        api.CreateAsync(ResourceKind.ConfigMap.Collection(ns), configMap, ct);

    /// <summary>Deletes a ConfigMap if it is still the version that was read; gone or changed since is not an error.</summary>
    public async Task DeleteConfigMapAsync(string name, string? resourceVersion, CancellationToken ct)
    {
        try
        {
            await api.DeleteAsync(ResourceKind.ConfigMap.Item(ns, name), null, resourceVersion, ct).ConfigureAwait(false);
        }
        catch (KubeApiException ex) when (ex.IsConflict)
        {
            // Changed since it was read: not ours to delete now.
        }
    }

    public Task<List<V1ConfigMap>> ListConfigMapsAsync(string labelSelector, CancellationToken ct) =>
        api.ListAllAsync<V1ConfigMap>(ResourceKind.ConfigMap.Collection(ns), ct, labelSelector);
}
