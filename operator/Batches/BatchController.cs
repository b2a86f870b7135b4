using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Nexus.Crds.Entities;
using Nexus.Operator.Control;
using Nexus.Operator.Metrics;
using Nexus.Shared;

namespace Nexus.Operator.Batches;

/// <summary>
/// Reconciles an AiJobBatch: creates any missing child (idempotent, deterministic names, owned by the batch,
/// sequential ⇒ each depends on the previous), and aggregates the children into the batch status. A child
/// already recorded in status, or any child of a finished batch, is never created again.
/// </summary>
public sealed class BatchController
{
    private readonly Informer<AiJobBatch> _batches;
    private readonly Informer<AiJob> _jobs;
    private readonly KubeApi _api;
    private readonly EventRecorder _events;
    private readonly OperatorOptions _options;
    private readonly TimeProvider _time;

    public BatchController(Informer<AiJobBatch> batches, Informer<AiJob> jobs, KubeApi api, EventRecorder events,
        OperatorMetrics metrics, OperatorOptions options, TimeProvider time, ILogger<BatchController> log)
    {
        (_batches, _jobs, _api, _events, _options, _time) = (batches, jobs, api, events, options, time);
        Queue = new WorkQueue("aijobbatches", Math.Max(2, options.ReconcileConcurrency / 4), ReconcileAsync, log,
            ok => metrics.Reconciles.WithLabels(AiJobBatch.KindName, ok ? "success" : "error").Inc(), time: time);
        batches.Changed += (old, @new) => Queue.Add((@new ?? old)!.Metadata.Name);
        jobs.Changed += (old, @new) =>
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
        var batch = _batches.Get(name);
        if (batch is null) return null;
        var ns = _options.Namespace;
        var finished = JobPhases.IsTerminal(batch.Status?.Phase);

        if (finished)
        {
            var now = _time.GetUtcNow().UtcDateTime;
            var done = batch.Status!.CompletedAt is { } c ? JobTimes.Utc(c) : batch.Metadata.CreationTimestamp ?? now;
            var expires = done + _options.TtlAfterFinished;
            if (now >= expires)
            {
                await _api.DeleteAsync(ResourceKind.AiJobBatch.Item(ns, name), batch.Metadata.Uid, ct);
                return null;
            }
            return expires - now > TimeSpan.FromHours(1) ? TimeSpan.FromHours(1) : expires - now;
        }

        // Create what is missing first, then aggregate: a child recorded in status and gone since is not re-run.
        for (var i = 0; i < batch.Spec.Jobs.Count; i++)
        {
            var childName = BatchChildren.Name(batch, i);
            if (_jobs.Get(childName) is null && !BatchAggregate.WasRecorded(batch, childName))
                await CreateChildAsync(batch, i, childName, ct);
        }
        var children = BatchAggregate.Children(batch, _jobs.Get);
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
            CompletedAt = JobPhases.IsTerminal(aggregate) ? _time.GetUtcNow().UtcDateTime : null,
            Conditions = batch.Status?.Conditions,
            ObservedGeneration = batch.Metadata.Generation,
        };
        if (!Changed(batch.Status, status)) return null;
        try
        {
            var body = new AiJobBatch { Metadata = batch.Metadata, Spec = batch.Spec, Status = status };
            var written = await _api.ReplaceAsync(ResourceKind.AiJobBatch.Item(ns, name) + "/status", body, ct);
            _batches.Upsert(written);
            if (batch.Status?.Phase != aggregate) _events.Normal(written, aggregate, $"batch is {aggregate.ToLowerInvariant()}: {counts.Completed}/{counts.Total} completed");
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
        child.Metadata.NamespaceProperty = _options.Namespace;
        try
        {
            var created = await _api.CreateAsync(ResourceKind.AiJob.Collection(_options.Namespace), child, ct);
            _jobs.Upsert(created);
            return created;
        }
        catch (KubeApiException e) when (e.IsConflict)
        {
            return _jobs.Get(childName);
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
