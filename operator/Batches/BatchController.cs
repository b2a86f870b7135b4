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
            var done = batch.Status!.CompletedAt is { } c ? JobTimes.Utc(c) : batch.Metadata.CreationTimestamp ?? DateTime.UtcNow;
            var expires = done + _ctx.Options.TtlAfterFinished;
            if (DateTime.UtcNow >= expires)
            {
                await _ctx.Api.DeleteAsync(ResourceKind.AiJobBatch.Item(ns, name), batch.Metadata.Uid, ct);
                return null;
            }
            return expires - DateTime.UtcNow > TimeSpan.FromHours(1) ? TimeSpan.FromHours(1) : expires - DateTime.UtcNow;
        }

        // Create what is missing first, then aggregate: a child recorded in status and gone since is not re-run.
        for (var i = 0; i < batch.Spec.Jobs.Count; i++)
        {
            var childName = BatchChildren.Name(batch, i);
            if (_ctx.Jobs.Get(childName) is null && !BatchAggregate.WasRecorded(batch, childName))
                await CreateChildAsync(batch, i, childName, ct);
        }
        var children = BatchAggregate.Children(batch, _ctx.Jobs.Get);
        var perJob = children.Select(c => new AiJobBatchJobStatus
        {
            Name = c.Name, Index = c.Index, Type = batch.Spec.Jobs[c.Index].Type, Phase = c.Phase,
        }).ToList();

        var (aggregate, counts) = BatchAggregate.Of(children);
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
        var child = NewJob.BatchChild(batch, index, DateTimeOffset.UtcNow + JobTimes.Typical(batch.Spec.Jobs[index].Type));
        child.Metadata.NamespaceProperty = _ctx.Options.Namespace;
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
