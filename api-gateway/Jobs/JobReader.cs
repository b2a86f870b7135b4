using Nexus.Crds.Entities;
using Nexus.Gateway.Cache;
using Nexus.Gateway.Kube;
using Nexus.Gateway.Metrics;

namespace Nexus.Gateway.Jobs;

/// <summary>
/// Finds jobs and batches in the cache, and waits on a job (the long-poll). A miss goes to the API server only when
/// the object could be too new for the watch to have delivered it (its ULID is younger than the fallback window) or
/// the cache is still loading, so polling unknown ids cannot load the API server.
/// </summary>
public sealed class JobReader(JobCache jobs, BatchCache batches, KubeObjects kube, Func<bool> cacheSynced,
    TimeSpan fallbackWindow, TimeProvider time)
{
    public async Task<CachedJob?> FindJobAsync(string name, CancellationToken ct)
    {
        if (jobs.TryGet(name, out var cached)) return cached;
        if (!MayBeTooNew(name)) return null;
        GatewayMetrics.DirectReads.Inc();
        var job = await kube.GetJobAsync(name, ct).ConfigureAwait(false);
        if (job is null) return null;
        jobs.Record(job);
        return jobs.TryGet(name, out cached) ? cached : CachedJob.From(job);
    }

    public async Task<AiJobBatch?> FindBatchAsync(string name, CancellationToken ct)
    {
        if (batches.Get(name) is { } cached) return cached;
        if (!MayBeTooNew(name)) return null;
        GatewayMetrics.DirectReads.Inc();
        var batch = await kube.GetBatchAsync(name, ct).ConfigureAwait(false);
        if (batch is null) return null;
        batches.Record(batch);
        return batches.Get(name) ?? batch;
    }

    /// <summary>
    /// The job once it is terminal, or as it is after <paramref name="wait"/>. Waits on the cache's change signal for
    /// the job, so a long-poll costs nothing until the job moves.
    /// </summary>
    public async Task<CachedJob> WaitForTerminalAsync(CachedJob job, TimeSpan wait, CancellationToken ct)
    {
        var deadline = time.GetUtcNow() + wait;
        while (!job.IsTerminal)
        {
            var changed = jobs.NextChange(job.Name);
            // Re-read after subscribing: a change between the first read and the subscription is not missed.
            if (jobs.TryGet(job.Name, out var latest)) job = latest;
            if (job.IsTerminal) break;
            var remaining = deadline - time.GetUtcNow();
            if (remaining <= TimeSpan.Zero) break;
            try
            {
                await changed.WaitAsync(remaining, time, ct).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                break;
            }
            if (jobs.TryGet(job.Name, out latest)) job = latest;
        }
        return job;
    }

    private bool MayBeTooNew(string name)
    {
        if (!cacheSynced()) return true;
        if (JobTimes.UlidTime(name) is not { } created) return false;
        var age = time.GetUtcNow() - created;
        // A little slack for clock skew between gateway replicas.
        return age < fallbackWindow && age > -TimeSpan.FromSeconds(5);
    }
}
