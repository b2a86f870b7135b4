using k8s;
using k8s.Models;
using Nexus.Crds.Entities;
using Nexus.Shared;

namespace Nexus.Operator.Jobs;

/// <summary>
/// Writes AiJob status through the status subresource with the object's resourceVersion, so a write based
/// on a stale read loses (409) instead of overwriting; the answer goes straight into the cache.
/// </summary>
public sealed class JobStatusWriter(KubeApi api, Informer<AiJob> jobs, OperatorOptions options, Prometheus.Counter? writes = null)
{
    public static AiJobStatus CloneStatus(AiJobStatus? status) =>
        status is null ? new AiJobStatus() : KubernetesJson.Deserialize<AiJobStatus>(KubernetesJson.Serialize(status));

    /// <summary>One optimistic write: throws <see cref="KubeApiException"/> (409) when the job changed since <paramref name="job"/> was read.</summary>
    public async Task<AiJob> WriteAsync(AiJob job, AiJobStatus status, CancellationToken ct)
    {
        status.ObservedGeneration = job.Metadata.Generation;
        var body = new AiJob { ApiVersion = job.ApiVersion, Kind = job.Kind, Metadata = job.Metadata, Spec = job.Spec, Status = status };
        writes?.Inc();
        var written = await api.ReplaceAsync(ResourceKind.AiJob.Item(options.Namespace, job.Metadata.Name) + "/status", body, ct);
        jobs.Upsert(written);
        return written;
    }

    /// <summary>The job as the API has it now (put into the cache); null when it is gone.</summary>
    public async Task<AiJob?> ReadAsync(string name, CancellationToken ct)
    {
        var job = await api.GetAsync<AiJob>(ResourceKind.AiJob.Item(options.Namespace, name), ct);
        if (job is not null) jobs.Upsert(job);
        return job;
    }

    /// <summary>
    /// A write by the owner of a running attempt: on conflict it re-reads and re-applies, as long as the job
    /// is still running the same attempt. Returns null when the job moved on or is gone.
    /// </summary>
    public async Task<AiJob?> UpdateRunningAsync(string name, int attempt, Action<AiJob, AiJobStatus> mutate, CancellationToken ct)
    {
        var job = jobs.Get(name);
        for (var i = 0; i < 8; i++)
        {
            if (job is null || job.Status?.Phase != JobPhases.Running || job.Status.Attempts != attempt) return null;
            var status = CloneStatus(job.Status);
            mutate(job, status);
            try
            {
                return await WriteAsync(job, status, ct);
            }
            catch (KubeApiException e) when (e.IsConflict)
            {
                job = await api.GetAsync<AiJob>(ResourceKind.AiJob.Item(options.Namespace, name), ct);
                if (job is not null) jobs.Upsert(job);
            }
            catch (KubeApiException e) when (e.IsNotFound)
            {
                return null;
            }
        }
        throw new InvalidOperationException($"status of {name} kept conflicting");
    }

    public static void SetCondition(AiJobStatus status, string type, string reason, string message, long? generation, TimeProvider time) =>
        status.Conditions = Conditions.Set(status.Conditions, type, true, reason, message, generation, time.GetUtcNow().UtcDateTime);
}
