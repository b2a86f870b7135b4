using Nexus.Crds.Entities;
using Nexus.Gateway.Auth;
using Nexus.Gateway.Cache;
using Nexus.Gateway.Idempotency;
using Nexus.Gateway.Kube;
using Nexus.Gateway.Metrics;
using Nexus.Gateway.Outcomes;
using Nexus.Gateway.Validation;
using Nexus.Shared;

namespace Nexus.Gateway.Jobs;

/// <summary>Submits one AiJob per dispatch: idempotency claim, queue admission, create, the answer recorded in the cache.</summary>
public sealed class JobSubmitter(KubeObjects kube, JobCache cache, JobReader reader, CompletionEstimator estimator,
    QueueGate gate, IdempotencyKeys idempotency, QueueFullPolicy queueFull, ILogger<JobSubmitter> logger, Webhooks.WebhookUrlPolicy callbackUrls)
{
    public async Task<SubmitOutcome<CachedJob>> SubmitAsync(Caller caller, JobRequest request, string? idempotencyKey, CancellationToken ct)
    {
        if (request.CallbackUrl is not null && callbackUrls.Check(request.CallbackUrl, out _) is { } refused)
            return SubmitOutcome<CachedJob>.Rejected(Webhooks.WebhookErrors.CallbackUrl(refused));
        string name;
        if (idempotencyKey is not null)
        {
            var hash = IdempotencyKeys.RequestHash("job", [(request.Type, request.Priority, request.Params)]);
            var claim = await idempotency.ClaimAsync(caller.Tenant, idempotencyKey, "job", hash, ResourceIds.NewJobName, ct).ConfigureAwait(false);
            if (claim.Rejection is { } rejected) return SubmitOutcome<CachedJob>.Rejected(rejected);
            name = claim.ResourceName;
            if (claim.State == IdempotencyState.Repeat)
            {
                var existing = await reader.FindJobAsync(name, ct).ConfigureAwait(false);
                if (existing is not null) return SubmitOutcome<CachedJob>.Repeat(existing);
                // The first request claimed the key but its create never landed: finish it with the same name.
            }
        }
        else
        {
            name = ResourceIds.NewJobName();
        }

        using var reservation = gate.TryReserve(caller.Tenant, 1);
        if (reservation is null) return SubmitOutcome<CachedJob>.Rejected(queueFull.Rejection());

        var job = NewJob.Build(name, caller.Tenant, request.Type, request.Priority, request.Params,
            estimator.Estimate(request.Type, JobTimes.CreatedAt(name, null)));
        job.Spec.CallbackUrl = request.CallbackUrl;
        try
        {
            var created = await kube.CreateJobAsync(job, ct).ConfigureAwait(false);
            cache.Record(created);
            GatewayMetrics.JobsDispatched.WithLabels(request.Type, request.Priority).Inc();
            logger.LogInformation("Dispatched {Job} type {Type} priority {Priority} tenant {Tenant} key {KeyName}",
                name, request.Type, request.Priority, caller.Tenant, caller.Key.Name);
            return SubmitOutcome<CachedJob>.New(CachedJob.From(created));
        }
        catch (KubeApiException ex) when (ex.IsConflict)
        {
            // Same name already created: a concurrent repeat of this idempotent request won the race.
            var existing = await reader.FindJobAsync(name, ct).ConfigureAwait(false);
            return existing is not null
                ? SubmitOutcome<CachedJob>.Repeat(existing)
                : SubmitOutcome<CachedJob>.Rejected(new Rejection(ErrorCodes.UpstreamUnavailable, "Job exists but cannot be read yet; retry"));
        }
        catch (KubeApiException ex) when (ex.IsInvalid)
        {
            return SubmitOutcome<CachedJob>.Rejected(new Rejection(ErrorCodes.InvalidRequest, ex.StatusMessage));
        }
    }
}
