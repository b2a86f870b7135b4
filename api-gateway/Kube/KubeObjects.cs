using Nexus.Crds.Entities;
using Nexus.Shared;

namespace Nexus.Gateway.Kube;

/// <summary>
/// The gateway's writes and direct reads of AiJobs and AiJobBatches in its namespace, through the shared
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
}
