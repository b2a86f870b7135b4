using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Nexus.Crds.Entities;
using Nexus.Shared;

namespace Nexus.Operator.Batches;

/// <summary>
/// Reconciles an AiJobBatch: creates any missing child (idempotent, deterministic names, owned by the batch,
/// sequential ⇒ each depends on the previous), and aggregates the children into the batch status. A child
/// already recorded in status, or any child of a finished batch, is never created again.
/// </summary>
public sealed class BatchController
{
    private readonly OperatorContext _ctx;
    private readonly ILogger _log;

    public BatchController(OperatorContext ctx)
    {
        _ctx = ctx;
        _log = ctx.Logs.CreateLogger("Nexus.Operator.BatchController");
        Queue = new WorkQueue("aijobbatches", Math.Max(2, ctx.Options.ReconcileConcurrency / 4), ReconcileAsync, _log,
            ok => ctx.Metrics.Reconciles.WithLabels(AiJobBatch.KindName, ok ? "success" : "error").Inc());
        ctx.Batches.Changed += (old, @new) => Queue.Add((@new ?? old)!.Metadata.Name);
        ctx.Jobs.Changed += (old, @new) =>
        {
            var job = (@new ?? old)!;
            var batch = job.Spec.Batch?.Name
                ?? job.Metadata.OwnerReferences?.FirstOrDefault(o => o.Kind == AiJobBatch.KindName)?.Name;
            if (batch is not null) Queue.Add(batch, TimeSpan.FromMilliseconds(100));
        };
    }

    public WorkQueue Queue { get; }

    public Task RunAsync(CancellationToken ct) => Queue.RunAsync(ct);

    private async Task<TimeSpan?> ReconcileAsync(string name, CancellationToken ct)
    {
        var batch = _ctx.Batches.Get(name);
        if (batch is null) return null;
        var ns = _ctx.Options.Namespace;
        var finished = JobPhases.IsTerminal(batch.Status?.Phase);

        if (finished)
        {
            var done = batch.Status!.CompletedAt is { } c ? Jobs.JobTimes.Utc(c) : batch.Metadata.CreationTimestamp ?? DateTime.UtcNow;
            var expires = done + _ctx.Options.TtlAfterFinished;
            if (DateTime.UtcNow >= expires)
            {
                await _ctx.Api.DeleteAsync(ResourceKind.AiJobBatch.Item(ns, name), batch.Metadata.Uid, ct);
                return null;
            }
            return expires - DateTime.UtcNow > TimeSpan.FromHours(1) ? TimeSpan.FromHours(1) : expires - DateTime.UtcNow;
        }

        var recorded = batch.Status?.Jobs?.Select(j => j.Name).ToHashSet(StringComparer.Ordinal) ?? [];
        var phases = new List<string?>();
        var perJob = new List<AiJobBatchJobStatus>();
        for (var i = 0; i < batch.Spec.Jobs.Count; i++)
        {
            var childName = BatchAggregate.ChildName(batch, i);
            var child = _ctx.Jobs.Get(childName);
            if (child is null && !recorded.Contains(childName))
            {
                child = await CreateChildAsync(batch, i, childName, ct);
            }
            var phase = child?.Status?.Phase;
            if (child is null && recorded.Contains(childName))
            {
                // Deleted after it was seen: keep what it last was rather than re-running it.
                phase = batch.Status!.Jobs!.First(j => j.Name == childName).Phase;
            }
            phases.Add(JobPhases.OrQueued(phase));
            perJob.Add(new AiJobBatchJobStatus { Name = childName, Index = i, Type = batch.Spec.Jobs[i].Type, Phase = JobPhases.OrQueued(phase) });
        }

        var (aggregate, counts) = BatchAggregate.Of(phases, batch.Spec.Jobs.Count);
        var status = new AiJobBatchStatus
        {
            Phase = aggregate,
            Counts = counts,
            Jobs = perJob,
            CompletedAt = JobPhases.IsTerminal(aggregate) ? DateTime.UtcNow : null,
            Conditions = batch.Status?.Conditions,
            ObservedGeneration = batch.Metadata.Generation,
        };
        if (!Changed(batch.Status, status)) return null;
        try
        {
            var body = new AiJobBatch { Metadata = batch.Metadata, Spec = batch.Spec, Status = status };
            var written = await _ctx.Api.ReplaceAsync(ResourceKind.AiJobBatch.Item(ns, name) + "/status", body, ct);
            _ctx.Batches.Upsert(written);
            if (batch.Status?.Phase != aggregate) _ctx.Events.Normal(written, aggregate, $"batch is {aggregate.ToLowerInvariant()}: {counts.Completed}/{counts.Total} completed");
        }
        catch (KubeApiException e) when (e.IsConflict || e.IsNotFound)
        {
            return TimeSpan.FromMilliseconds(100);
        }
        return null;
    }

    private async Task<AiJob?> CreateChildAsync(AiJobBatch batch, int index, string childName, CancellationToken ct)
    {
        var item = batch.Spec.Jobs[index];
        var child = new AiJob
        {
            Metadata = new V1ObjectMeta
            {
                Name = childName,
                NamespaceProperty = _ctx.Options.Namespace,
                Labels = new Dictionary<string, string>
                {
                    [NexusGroup.TenantLabel] = batch.Spec.Tenant,
                    [NexusGroup.JobTypeLabel] = item.Type,
                    [NexusGroup.PriorityLabel] = item.Priority,
                    [NexusGroup.BatchLabel] = batch.Metadata.Name,
                },
                OwnerReferences =
                [
                    new V1OwnerReference
                    {
                        ApiVersion = batch.ApiVersion, Kind = batch.Kind, Name = batch.Metadata.Name, Uid = batch.Metadata.Uid,
                        Controller = true, BlockOwnerDeletion = true,
                    },
                ],
            },
            Spec = new AiJobSpec
            {
                Type = item.Type,
                Tenant = batch.Spec.Tenant,
                Priority = item.Priority,
                Params = item.Params,
                TimeoutSeconds = item.TimeoutSeconds,
                MaxRetries = item.MaxRetries ?? 2,
                Batch = new AiJobBatchRef { Name = batch.Metadata.Name, Index = index },
                DependsOn = batch.Spec.Sequential && index > 0 ? [BatchAggregate.ChildName(batch, index - 1)] : null,
            },
        };
        try
        {
            var created = await _ctx.Api.CreateAsync(ResourceKind.AiJob.Collection(_ctx.Options.Namespace), child, ct);
            _ctx.Jobs.Upsert(created);
            return created;
        }
        catch (KubeApiException e) when (e.IsConflict)
        {
            return _ctx.Jobs.Get(childName);
        }
    }

    private static bool Changed(AiJobBatchStatus? old, AiJobBatchStatus now)
    {
        if (old is null) return true;
        var a = KubernetesJson.Serialize(new { old.Phase, old.Counts, old.Jobs });
        var b = KubernetesJson.Serialize(new { now.Phase, now.Counts, now.Jobs });
        return a != b;
    }
}
