using Nexus.Crds.Entities;
using Nexus.Gateway.Auth;
using Nexus.Gateway.Cache;
using Nexus.Gateway.Kube;
using Nexus.Shared;

namespace Nexus.Gateway.Jobs;

public enum CancelResult
{
    /// <summary>Cancel requested (or the job was already cancelled or asked to be).</summary>
    Cancelled,
    NotFound,
    /// <summary>Running or finished: only queued jobs can be cancelled.</summary>
    NotCancellable,
    /// <summary>The job changed under every attempt; the client may retry.</summary>
    KeptChanging,
}

/// <summary>What a cancel did, and the phase the job was in when it was decided.</summary>
public sealed record CancelOutcome(CancelResult Result, string? Phase = null);

/// <summary>
/// Cancels a queued job by setting <c>spec.cancel</c> with a resourceVersion precondition. The operator claims a job
/// with a status write carrying the version it read, so of a cancel and a claim racing on the same version exactly
/// one lands; the loser gets 409, re-reads and decides again (a claimed job is no longer cancellable).
/// </summary>
public sealed class JobCanceller(KubeObjects kube, JobCache cache, JobReader reader, ILogger<JobCanceller> logger)
{
    private const int MaxAttempts = 10;

    public async Task<CancelOutcome> CancelAsync(Caller caller, string name, CancellationToken ct)
    {
        var job = (await reader.FindJobAsync(name, ct).ConfigureAwait(false))?.Job;
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            if (job is null || job.Spec.Tenant != caller.Tenant) return new(CancelResult.NotFound);
            var phase = JobPhases.OrQueued(job.Status?.Phase);
            if (phase == JobPhases.Cancelled || (phase == JobPhases.Queued && job.Spec.Cancel)) return new(CancelResult.Cancelled, phase);
            if (phase != JobPhases.Queued) return new(CancelResult.NotCancellable, phase);

            var patch = new { metadata = new { resourceVersion = job.Metadata.ResourceVersion }, spec = new { cancel = true } };
            try
            {
                cache.Record(await kube.MergePatchJobAsync(name, patch, ct).ConfigureAwait(false));
                logger.LogInformation("Cancel requested for {Job} by tenant {Tenant}", name, caller.Tenant);
                return new(CancelResult.Cancelled, phase);
            }
            catch (KubeApiException ex) when (ex.IsConflict)
            {
                job = await kube.GetJobAsync(name, ct).ConfigureAwait(false);
            }
            catch (KubeApiException ex) when (ex.IsNotFound)
            {
                return new(CancelResult.NotFound);
            }
        }
        return new(CancelResult.KeptChanging);
    }
}
