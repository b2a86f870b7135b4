using Nexus.Crds.Entities;
using Nexus.Gateway.Auth;
using Nexus.Gateway.Cache;
using Nexus.Gateway.History;
using Nexus.Gateway.Idempotency;
using Nexus.Gateway.Kube;
using Nexus.Gateway.Metrics;
using Nexus.Gateway.Outcomes;
using Nexus.Gateway.Validation;
using Nexus.Shared;
using Nexus.Shared.History;

namespace Nexus.Gateway.Jobs;

/// <summary>
/// Submits one AiJob per dispatch: idempotency claim (in the history database), queue admission, create, the answer
/// recorded in the cache. Without an Idempotency-Key dispatch needs no database, so it works while the database is down.
/// </summary>
public sealed class JobSubmitter(KubeObjects kube, JobCache cache, JobReader reader, CompletionEstimator estimator,
    QueueGate gate, HistoryReadiness history, QueueFullPolicy queueFull, ILogger<JobSubmitter> logger,
    Webhooks.WebhookUrlPolicy callbackUrls)
{
    public async Task<SubmitOutcome<JobView>> SubmitAsync(Caller caller, JobRequest request, string? idempotencyKey, CancellationToken ct)
    {
        if (request.CallbackUrl is not null && callbackUrls.Check(request.CallbackUrl, out _) is { } refused)
            return SubmitOutcome<JobView>.Rejected(Webhooks.WebhookErrors.CallbackUrl(refused));
        var name = ResourceIds.NewJobName();
        if (idempotencyKey is null) return await CreateAsync(caller, request, name, ct).ConfigureAwait(false);

        var keys = history.Ready().IdempotencyKeys;
        var fingerprint = RequestFingerprint.Of("job", [request]);
        var claim = await keys.ClaimAsync(caller.Tenant, idempotencyKey, fingerprint, ResourceIds.JobIdFromName(name), ct).ConfigureAwait(false);
        switch (claim.Outcome)
        {
            case ClaimOutcome.Conflict:
                return SubmitOutcome<JobView>.Rejected(new Rejection(ErrorCodes.IdempotencyKeyReused, "This Idempotency-Key was already used with a different request"));
            case ClaimOutcome.Replay:
                if (!ResourceIds.TryJobNameFromId(claim.ResourceId, out name)) name = claim.ResourceId;
                if (await FindAsync(caller.Tenant, name, claim.ResourceId, ct).ConfigureAwait(false) is { } existing)
                    return SubmitOutcome<JobView>.Repeat(existing);
                // The first request claimed the key but its create never landed: finish it under the same name.
                var finished = await CreateAsync(caller, request, name, ct).ConfigureAwait(false);
                return finished.Created is not null ? SubmitOutcome<JobView>.Repeat(finished.Created) : finished;
            default:
                return await CreateOrReleaseAsync(caller, request, name, idempotencyKey, keys, ct).ConfigureAwait(false);
        }
    }

    private async Task<SubmitOutcome<JobView>> CreateOrReleaseAsync(Caller caller, JobRequest request, string name, string key,
        IdempotencyKeys keys, CancellationToken ct)
    {
        // A failure whose outcome is unknown (the create may have landed) keeps the key: a retry finds the job, or
        // creates it under the same name.
        var outcome = await CreateAsync(caller, request, name, ct).ConfigureAwait(false);
        // Nothing was created (queue full, refused): give the key back so the client's retry can succeed.
        if (outcome.Rejection is not null && !outcome.Replayed) await ReleaseAsync(caller.Tenant, key, name, keys).ConfigureAwait(false);
        return outcome;
    }

    private async Task ReleaseAsync(string tenant, string key, string name, IdempotencyKeys keys)
    {
        try
        {
            await keys.ReleaseAsync(tenant, key, ResourceIds.JobIdFromName(name), CancellationToken.None).ConfigureAwait(false);
        }
        catch (HistoryUnavailableException ex)
        {
            // The key then names a job that does not exist; a retry with it creates the job under that name.
            logger.LogWarning("Releasing idempotency key of {Job} failed: {Reason}", name, ex.Message);
        }
    }

    /// <summary>The dispatch answer of the job a key names: live (cache, or the API server while it is new), else archived.</summary>
    private async Task<JobView?> FindAsync(string tenant, string name, string id, CancellationToken ct)
    {
        if (await reader.FindJobAsync(name, ct).ConfigureAwait(false) is { } live)
            return live.Tenant == tenant ? JobMapper.ToDispatchView(live) : null;
        return await history.Ready().Jobs.GetJobAsync(tenant, id, includeResult: false, ct).ConfigureAwait(false) is { } archived
            ? JobMapper.ToDispatchView(archived)
            : null;
    }

    private async Task<SubmitOutcome<JobView>> CreateAsync(Caller caller, JobRequest request, string name, CancellationToken ct)
    {
        using var reservation = gate.TryReserve(caller.Tenant, [name], out var refusal);
        if (reservation is null) return SubmitOutcome<JobView>.Rejected(queueFull.Rejection(refusal));

        var job = NewJob.Build(name, caller.Tenant, request.Type, request.Priority, request.Params,
            estimator.Estimate(request.Type, JobTimes.CreatedAt(name, null)));
        job.Spec.CallbackUrl = request.CallbackUrl;
        JobOptionsSpec.Apply(job.Spec, request);
        try
        {
            var created = await kube.CreateJobAsync(job, ct).ConfigureAwait(false);
            cache.Record(created);
            GatewayMetrics.JobsDispatched.WithLabels(request.Type, request.Priority).Inc();
            logger.LogInformation("Dispatched {Job} type {Type} priority {Priority} tenant {Tenant} key {KeyName}",
                name, request.Type, request.Priority, caller.Tenant, caller.Key.Name);
            return SubmitOutcome<JobView>.New(JobMapper.ToDispatchView(CachedJob.From(created)));
        }
        catch (KubeApiException ex) when (ex.IsConflict)
        {
            // Same name already created: a concurrent repeat of this idempotent request won the race.
            var existing = await reader.FindJobAsync(name, ct).ConfigureAwait(false);
            return existing is not null
                ? SubmitOutcome<JobView>.Repeat(JobMapper.ToDispatchView(existing))
                : SubmitOutcome<JobView>.Rejected(new Rejection(ErrorCodes.UpstreamUnavailable, "Job exists but cannot be read yet; retry"));
        }
        catch (KubeApiException ex) when (ex.IsInvalid)
        {
            return SubmitOutcome<JobView>.Rejected(new Rejection(ErrorCodes.InvalidRequest, ex.StatusMessage));
        }
    }
}
