using Nexus.Crds.Entities;
using Nexus.Gateway.Api;
using Nexus.Gateway.Auth;
using Nexus.Gateway.Cache;
using Nexus.Gateway.Idempotency;
using Nexus.Gateway.Kube;
using Nexus.Gateway.Metrics;
using Nexus.Gateway.Validation;
using Nexus.Shared;

namespace Nexus.Gateway.Jobs;

/// <summary>Creates one AiJob per dispatch: idempotency claim, queue admission, create, write-through to the cache.</summary>
public sealed class JobDispatcher(JobRepository repository, Informer<AiJob> cache, JobReader reader, CompletionEstimator estimator,
    QueueGate gate, IdempotencyStore idempotency, QueueFullPolicy queueFull, ILogger<JobDispatcher> logger)
{
    public async Task<DispatchResult<JobView>> DispatchAsync(Caller caller, JobRequest request, string? idempotencyKey, CancellationToken ct)
    {
        string name;
        if (idempotencyKey is not null)
        {
            var hash = IdempotencyStore.RequestHash("job", [(request.Type, request.Priority, request.Params)]);
            var claim = await idempotency.ClaimAsync(caller.Tenant, idempotencyKey, "job", hash, ResourceIds.NewJobName, ct).ConfigureAwait(false);
            if (claim.State == IdempotencyState.Mismatch)
                return DispatchResult<JobView>.Fail(ErrorCodes.Make(ErrorCodes.IdempotencyKeyReused,
                    "This Idempotency-Key was already used with a different request"));
            name = claim.ResourceName;
            if (claim.State == IdempotencyState.Repeat)
            {
                var existing = await reader.FindJobAsync(name, ct).ConfigureAwait(false);
                if (existing is not null) return new(JobMapper.ToDispatchView(existing), true, null);
                // The first request claimed the key but its create never landed: finish it with the same name.
            }
        }
        else
        {
            name = ResourceIds.NewJobName();
        }

        using var reservation = gate.TryReserve(caller.Tenant, 1);
        if (reservation is null) return DispatchResult<JobView>.Fail(queueFull.Error());

        var job = Build(name, caller.Tenant, request);
        try
        {
            var created = await repository.CreateJobAsync(job, ct).ConfigureAwait(false);
            cache.Upsert(created);
            GatewayMetrics.JobsDispatched.WithLabels(request.Type, request.Priority).Inc();
            logger.LogInformation("Dispatched {Job} type {Type} priority {Priority} tenant {Tenant} key {KeyName}",
                name, request.Type, request.Priority, caller.Tenant, caller.Key.Name);
            return new(JobMapper.ToDispatchView(CachedJob.From(created)), false, null);
        }
        catch (k8s.Autorest.HttpOperationException ex) when (KubeErrors.IsConflict(ex))
        {
            // Same name already created: a concurrent repeat of this idempotent request won the race.
            var existing = await reader.FindJobAsync(name, ct).ConfigureAwait(false)
                           ?? throw new UpstreamUnavailableException("Job exists but cannot be read yet; retry");
            return new(JobMapper.ToDispatchView(existing), true, null);
        }
        catch (k8s.Autorest.HttpOperationException ex) when (KubeErrors.StatusOf(ex) == System.Net.HttpStatusCode.UnprocessableEntity)
        {
            return DispatchResult<JobView>.Fail(ErrorCodes.Make(ErrorCodes.InvalidRequest, KubeCall.StatusMessage(ex)));
        }
    }

    private AiJob Build(string name, string tenant, JobRequest request) =>
        NewJob.Build(name, tenant, request.Type, request.Priority, request.Params,
            estimator.Estimate(request.Type, JobTimes.CreatedAt(name, null)));
}
