using Nexus.Crds.Entities;
using Nexus.Gateway.Cache;
using Nexus.Gateway.Metrics;
using Nexus.Shared;

namespace Nexus.Gateway.Jobs;

/// <summary>
/// Finds jobs and batches in the cache. A miss goes to the API server only when the object could be too new for
/// the watch to have delivered it (its ULID is younger than the fallback window) or the cache is still loading,
/// so polling unknown ids cannot load the API server.
/// </summary>
public sealed class JobReader(JobStore jobs, Informer<AiJob> jobCache, Informer<AiJobBatch> batches, JobRepository repository,
    Func<bool> cacheSynced, TimeSpan fallbackWindow, TimeProvider time)
{
    private const string JobPrefix = "job-";
    private const string BatchPrefix = "batch-";

    public async Task<CachedJob?> FindJobAsync(string name, CancellationToken ct)
    {
        if (jobs.TryGet(name, out var cached)) return cached;
        if (!MayBeTooNew(name, JobPrefix)) return null;
        GatewayMetrics.DirectReads.Inc();
        var job = await repository.GetJobAsync(name, ct).ConfigureAwait(false);
        if (job is null) return null;
        jobCache.Upsert(job);
        return jobs.TryGet(name, out cached) ? cached : CachedJob.From(job);
    }

    public async Task<AiJobBatch?> FindBatchAsync(string name, CancellationToken ct)
    {
        if (batches.Get(name) is { } cached) return cached;
        if (!MayBeTooNew(name, BatchPrefix)) return null;
        GatewayMetrics.DirectReads.Inc();
        var batch = await repository.GetBatchAsync(name, ct).ConfigureAwait(false);
        if (batch is null) return null;
        batches.Upsert(batch);
        return batches.Get(name) ?? batch;
    }

    private bool MayBeTooNew(string name, string prefix)
    {
        if (!cacheSynced()) return true;
        if (!name.StartsWith(prefix, StringComparison.Ordinal)) return false;
        var ulid = name.AsSpan(prefix.Length);
        if (!Ulid.IsValid(ulid)) return false;
        var age = time.GetUtcNow() - Ulid.Time(ulid);
        // A little slack for clock skew between gateway replicas.
        return age < fallbackWindow && age > -TimeSpan.FromSeconds(5);
    }
}
