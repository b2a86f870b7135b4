using System.Text.Json;
using Nexus.Crds.Entities;
using Nexus.Gateway.Auth;
using Nexus.Gateway.History;
using Nexus.Gateway.Outcomes;
using Nexus.Gateway.Validation;
using Nexus.Shared.History;

namespace Nexus.Gateway.Jobs;

/// <summary>
/// <c>POST /api/ai-jobs/{id}/retry</c>: a failed or cancelled job (live or archived) dispatched again as a new job
/// with the same type, params, priority, options and metadata, its <c>retry_of</c> naming the first. It goes through
/// <see cref="JobSubmitter"/> like any dispatch (queue limits, Idempotency-Key). The new job stands alone: a batch
/// member's retry is not in the batch and depends on nothing; the first job's <c>callback_url</c> is not carried
/// (the archive does not keep it).
/// </summary>
public sealed class JobRetrier(JobReader reader, HistoryReadiness history, JobSubmitter submitter)
{
    public async Task<SubmitOutcome<JobView>> RetryAsync(Caller caller, string name, string? idempotencyKey, CancellationToken ct)
    {
        var first = await FindAsync(caller.Tenant, name, ct).ConfigureAwait(false);
        if (first is null) return SubmitOutcome<JobView>.Rejected(ErrorCodes.JobNotFoundError(ResourceIds.JobIdFromName(name)));
        if (first.Status is not (JobPhases.Failed or JobPhases.Cancelled))
            return SubmitOutcome<JobView>.Rejected(new Rejection(ErrorCodes.JobNotRetryable,
                $"Job is {JobMapper.StatusOf(first.Status)}; only failed or cancelled jobs can be retried"));

        var request = new JobRequest(first.Type, first.Priority, first.Params ?? EmptyParams)
        {
            MaxRetries = first.MaxRetries,
            TimeoutSeconds = first.TimeoutSeconds,
            Metadata = first.Metadata,
            RetryOf = first.Id,
        };
        return await submitter.SubmitAsync(caller, request, idempotencyKey, ct).ConfigureAwait(false);
    }

    /// <summary>The tenant's job as a record, live (cache, or the API server while it is new) or archived; null otherwise.</summary>
    private async Task<ArchivedJob?> FindAsync(string tenant, string name, CancellationToken ct)
    {
        if (await reader.FindJobAsync(name, ct).ConfigureAwait(false) is { } live)
            return live.Tenant == tenant ? JobMapper.RecordOf(live) : null;
        return await history.Ready().Jobs.GetJobAsync(tenant, ResourceIds.JobIdFromName(name), includeResult: false, ct).ConfigureAwait(false);
    }

    private static readonly JsonElement EmptyParams = JsonDocument.Parse("{}").RootElement.Clone();
}
