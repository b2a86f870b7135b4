using k8s.Models;
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
/// Submits an AiJobBatch and its child AiJobs. Children get their names up front (in the batch spec) and are built
/// by the contract's <see cref="NewJob.BatchChild"/>, as the operator builds any child that is missing, under the
/// same name, so a gateway that dies half-way leaves nothing to clean up.
/// </summary>
public sealed class BatchSubmitter(KubeObjects kube, JobCache jobs, BatchCache batches, JobReader reader,
    CompletionEstimator estimator, QueueGate gate, HistoryReadiness history, QueueFullPolicy queueFull,
    ILogger<BatchSubmitter> logger)
{
    public async Task<SubmitOutcome<BatchDispatchView>> SubmitAsync(Caller caller, BatchRequest request, string? idempotencyKey, CancellationToken ct)
    {
        var name = ResourceIds.NewBatchName();
        if (idempotencyKey is null) return await CreateAsync(caller, request, name, ct).ConfigureAwait(false);

        var keys = history.Ready().IdempotencyKeys;
        var fingerprint = RequestFingerprint.Of("batch", request.Jobs,
            request.Sequential ? "sequential" : "parallel");
        var claim = await keys.ClaimAsync(caller.Tenant, idempotencyKey, fingerprint, ResourceIds.BatchIdFromName(name), ct).ConfigureAwait(false);
        if (claim.Outcome == ClaimOutcome.Conflict)
            return SubmitOutcome<BatchDispatchView>.Rejected(new Rejection(ErrorCodes.IdempotencyKeyReused, "This Idempotency-Key was already used with a different request"));
        if (claim.Outcome == ClaimOutcome.Replay)
        {
            if (!ResourceIds.TryBatchNameFromId(claim.ResourceId, out name)) name = claim.ResourceId;
            if (await reader.FindBatchAsync(name, ct).ConfigureAwait(false) is { } existing && existing.Spec.Tenant == caller.Tenant)
            {
                await CreateChildrenAsync(existing, ct).ConfigureAwait(false);
                return SubmitOutcome<BatchDispatchView>.Repeat(BatchMapper.ToDispatchView(existing));
            }
            if (await history.Ready().Jobs.GetBatchAsync(caller.Tenant, claim.ResourceId, includeResults: false, ct).ConfigureAwait(false) is { } archived)
                return SubmitOutcome<BatchDispatchView>.Repeat(BatchMapper.ToDispatchView(archived.Batch));
            // The first request claimed the key but its create never landed: finish it under the same name.
            var finished = await CreateAsync(caller, request, name, ct).ConfigureAwait(false);
            return finished.Created is not null ? SubmitOutcome<BatchDispatchView>.Repeat(finished.Created) : finished;
        }
        // A failure whose outcome is unknown keeps the key (a retry finds the batch or finishes it); a refusal gives it back.
        var outcome = await CreateAsync(caller, request, name, ct).ConfigureAwait(false);
        if (outcome.Rejection is not null)
        {
            try
            {
                await keys.ReleaseAsync(caller.Tenant, idempotencyKey, ResourceIds.BatchIdFromName(name), CancellationToken.None).ConfigureAwait(false);
            }
            catch (HistoryUnavailableException ex)
            {
                logger.LogWarning("Releasing idempotency key of {Batch} failed: {Reason}", name, ex.Message);
            }
        }
        return outcome;
    }

    private async Task<SubmitOutcome<BatchDispatchView>> CreateAsync(Caller caller, BatchRequest request, string name, CancellationToken ct)
    {
        var batch = new AiJobBatch
        {
            Metadata = new V1ObjectMeta
            {
                Name = name,
                Labels = new Dictionary<string, string> { [NexusGroup.TenantLabel] = caller.Tenant },
                // Held from creation (no extra write): the batch stays until the operator has archived it.
                Finalizers = [NexusGroup.ArchiveFinalizer],
            },
            Spec = new AiJobBatchSpec
            {
                Tenant = caller.Tenant,
                Sequential = request.Sequential,
                Jobs = request.Jobs.Select(j => new AiJobBatchItem
                {
                    Type = j.Type, Params = j.Params, Priority = j.Priority, Name = ResourceIds.NewJobName(),
                    MaxRetries = j.MaxRetries, TimeoutSeconds = j.TimeoutSeconds,
                    Metadata = j.Metadata is { } metadata ? new Dictionary<string, string>(metadata) : null,
                }).ToList(),
            },
        };
        using var reservation = gate.TryReserve(caller.Tenant, BatchChildren.Names(batch).ToList(), out var refusal);
        if (reservation is null) return SubmitOutcome<BatchDispatchView>.Rejected(queueFull.Rejection(refusal));
        AiJobBatch created;
        var replayed = false;
        try
        {
            created = await kube.CreateBatchAsync(batch, ct).ConfigureAwait(false);
            batches.Record(created);
        }
        catch (KubeApiException ex) when (ex.IsConflict)
        {
            var existing = await reader.FindBatchAsync(name, ct).ConfigureAwait(false);
            if (existing is null)
                return SubmitOutcome<BatchDispatchView>.Rejected(new Rejection(ErrorCodes.UpstreamUnavailable, "Batch exists but cannot be read yet; retry"));
            created = existing;
            replayed = true;
        }
        catch (KubeApiException ex) when (ex.IsInvalid)
        {
            return SubmitOutcome<BatchDispatchView>.Rejected(new Rejection(ErrorCodes.InvalidRequest, ex.StatusMessage));
        }

        await CreateChildrenAsync(created, ct).ConfigureAwait(false);
        logger.LogInformation("Dispatched batch {Batch} of {Count} jobs (sequential {Sequential}) tenant {Tenant} key {KeyName}",
            name, request.Jobs.Count, request.Sequential, caller.Tenant, caller.Key.Name);
        return new SubmitOutcome<BatchDispatchView>(BatchMapper.ToDispatchView(created), replayed, null);
    }

    private async Task CreateChildrenAsync(AiJobBatch batch, CancellationToken ct)
    {
        var tasks = batch.Spec.Jobs.Select(async (item, index) =>
        {
            var name = BatchChildren.Name(batch, index);
            if (jobs.TryGet(name, out _)) return;
            var child = NewJob.BatchChild(batch, index, estimator.Estimate(item.Type, JobTimes.CreatedAt(name, null)));
            try
            {
                var created = await kube.CreateJobAsync(child, ct).ConfigureAwait(false);
                jobs.Record(created);
                GatewayMetrics.JobsDispatched.WithLabels(item.Type, item.Priority).Inc();
            }
            catch (KubeApiException ex) when (ex.IsConflict)
            {
                // The operator's batch reconciler (or an earlier attempt) created it first.
            }
            catch (Exception ex) when (ex is KubeApiException { Status: >= System.Net.HttpStatusCode.InternalServerError } or HttpRequestException)
            {
                // The API server failed or is unreachable; the batch exists, and the operator creates the missing
                // child under the same name.
                logger.LogWarning(ex, "Creating {Child} of batch {Batch} failed; the operator will create it", name, batch.Metadata.Name);
            }
        });
        await Task.WhenAll(tasks).ConfigureAwait(false);
    }
}
