using k8s.Models;
using Nexus.Crds.Entities;
using Nexus.Gateway.Api;
using Nexus.Gateway.Auth;
using Nexus.Gateway.Idempotency;
using Nexus.Gateway.Kube;
using Nexus.Gateway.Metrics;
using Nexus.Gateway.Validation;
using Nexus.Shared;

namespace Nexus.Gateway.Jobs;

/// <summary>
/// Creates an AiJobBatch and its child AiJobs. Children get their names up front (in the batch spec), are owned by
/// the batch, and in a sequential batch each depends on the previous one. The operator creates any child that is
/// missing under the same name, so a gateway that dies half-way leaves nothing to clean up.
/// </summary>
public sealed class BatchDispatcher(JobRepository repository, Cache.JobStore store, Informer<AiJob> jobCache, Informer<AiJobBatch> batches,
    JobReader reader, CompletionEstimator estimator, QueueGate gate, IdempotencyStore idempotency, QueueFullPolicy queueFull,
    ILogger<BatchDispatcher> logger)
{
    public async Task<DispatchResult<BatchDispatchView>> DispatchAsync(Caller caller, BatchRequest request, string? idempotencyKey, CancellationToken ct)
    {
        string name;
        if (idempotencyKey is not null)
        {
            var hash = IdempotencyStore.RequestHash("batch", request.Jobs.Select(j => (j.Type, j.Priority, j.Params)),
                request.Sequential ? "sequential" : "parallel");
            var claim = await idempotency.ClaimAsync(caller.Tenant, idempotencyKey, "batch", hash, ResourceIds.NewBatchName, ct).ConfigureAwait(false);
            if (claim.State == IdempotencyState.Mismatch)
                return DispatchResult<BatchDispatchView>.Fail(ErrorCodes.Make(ErrorCodes.IdempotencyKeyReused,
                    "This Idempotency-Key was already used with a different request"));
            name = claim.ResourceName;
            if (claim.State == IdempotencyState.Repeat && await reader.FindBatchAsync(name, ct).ConfigureAwait(false) is { } existing)
            {
                await CreateChildrenAsync(existing, ct).ConfigureAwait(false);
                return new(Summary(existing), true, null);
            }
        }
        else
        {
            name = ResourceIds.NewBatchName();
        }

        using var reservation = gate.TryReserve(caller.Tenant, request.Jobs.Count);
        if (reservation is null) return DispatchResult<BatchDispatchView>.Fail(queueFull.Error());

        var batch = new AiJobBatch
        {
            Metadata = new V1ObjectMeta
            {
                Name = name,
                Labels = new Dictionary<string, string> { [NexusGroup.TenantLabel] = caller.Tenant },
            },
            Spec = new AiJobBatchSpec
            {
                Tenant = caller.Tenant,
                Sequential = request.Sequential,
                Jobs = request.Jobs.Select(j => new AiJobBatchItem
                {
                    Type = j.Type, Params = j.Params, Priority = j.Priority, Name = ResourceIds.NewJobName(),
                }).ToList(),
            },
        };
        AiJobBatch created;
        var replayed = false;
        try
        {
            created = await repository.CreateBatchAsync(batch, ct).ConfigureAwait(false);
            batches.Upsert(created);
        }
        catch (k8s.Autorest.HttpOperationException ex) when (KubeErrors.IsConflict(ex))
        {
            created = await reader.FindBatchAsync(name, ct).ConfigureAwait(false)
                      ?? throw new UpstreamUnavailableException("Batch exists but cannot be read yet; retry");
            replayed = true;
        }
        catch (k8s.Autorest.HttpOperationException ex) when (KubeErrors.StatusOf(ex) == System.Net.HttpStatusCode.UnprocessableEntity)
        {
            return DispatchResult<BatchDispatchView>.Fail(ErrorCodes.Make(ErrorCodes.InvalidRequest, KubeCall.StatusMessage(ex)));
        }

        await CreateChildrenAsync(created, ct).ConfigureAwait(false);
        logger.LogInformation("Dispatched batch {Batch} of {Count} jobs (sequential {Sequential}) tenant {Tenant} key {KeyName}",
            name, request.Jobs.Count, request.Sequential, caller.Tenant, caller.Key.Name);
        return new(Summary(created), replayed, null);
    }

    private async Task CreateChildrenAsync(AiJobBatch batch, CancellationToken ct)
    {
        var tasks = batch.Spec.Jobs.Select(async (item, index) =>
        {
            var name = BatchChildren.Name(batch, index);
            if (store.TryGet(name, out _)) return;
            var child = NewJob.BatchChild(batch, index, estimator.Estimate(item.Type, JobTimes.CreatedAt(name, null)));
            try
            {
                var created = await repository.CreateJobAsync(child, ct).ConfigureAwait(false);
                jobCache.Upsert(created);
                GatewayMetrics.JobsDispatched.WithLabels(item.Type, item.Priority).Inc();
            }
            catch (k8s.Autorest.HttpOperationException ex) when (KubeErrors.IsConflict(ex))
            {
                // The operator's batch reconciler (or an earlier attempt) created it first.
            }
            catch (UpstreamUnavailableException ex)
            {
                // The batch exists; the operator creates the missing child under the same name.
                logger.LogWarning(ex, "Creating {Child} of batch {Batch} failed; the operator will create it", name, batch.Metadata.Name);
            }
        });
        await Task.WhenAll(tasks).ConfigureAwait(false);
    }

    private static BatchDispatchView Summary(AiJobBatch batch) => new(
        ResourceIds.BatchIdFromName(batch.Metadata.Name),
        batch.Spec.Jobs.Select((item, index) => new BatchJobSummary(
            ResourceIds.JobIdFromName(BatchChildren.Name(batch, index)), item.Type, "queued")).ToList());
}
