using Nexus.Crds.Entities;
using Nexus.Gateway.Auth;
using Nexus.Gateway.Kube;

namespace Nexus.Gateway.Jobs;

public enum CancelOutcome
{
    Cancelled,
    NotFound,
    NotCancellable,
}

/// <summary>
/// Cancels a queued job by setting <c>spec.cancel</c> with a resourceVersion precondition. The operator claims a job
/// with a status write carrying the version it read, so of a cancel and a claim racing on the same version exactly
/// one lands; the loser gets 409, re-reads and decides again (a claimed job is no longer cancellable).
/// </summary>
public sealed class JobCanceller(JobRepository repository, JobReader reader, ILogger<JobCanceller> logger)
{
    private const int MaxAttempts = 10;

    public async Task<(CancelOutcome Outcome, string? Phase)> CancelAsync(Caller caller, string name, CancellationToken ct)
    {
        var job = (await reader.FindJobAsync(name, ct).ConfigureAwait(false))?.Job;
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            if (job is null || job.Spec.Tenant != caller.Tenant) return (CancelOutcome.NotFound, null);
            var phase = JobPhases.OrQueued(job.Status?.Phase);
            if (phase == JobPhases.Cancelled || (phase == JobPhases.Queued && job.Spec.Cancel)) return (CancelOutcome.Cancelled, phase);
            if (phase != JobPhases.Queued) return (CancelOutcome.NotCancellable, phase);

            var patch = "{\"metadata\":{\"resourceVersion\":" + System.Text.Json.JsonSerializer.Serialize(job.Metadata.ResourceVersion)
                        + "},\"spec\":{\"cancel\":true}}";
            try
            {
                await repository.MergePatchJobAsync(name, patch, ct).ConfigureAwait(false);
                logger.LogInformation("Cancel requested for {Job} by tenant {Tenant}", name, caller.Tenant);
                return (CancelOutcome.Cancelled, phase);
            }
            catch (k8s.Autorest.HttpOperationException ex) when (KubeErrors.IsConflict(ex))
            {
                job = await repository.GetJobAsync(name, ct).ConfigureAwait(false);
            }
            catch (k8s.Autorest.HttpOperationException ex) when (KubeErrors.IsNotFound(ex))
            {
                return (CancelOutcome.NotFound, null);
            }
        }
        throw new UpstreamUnavailableException("The job kept changing while cancelling it; retry");
    }
}
