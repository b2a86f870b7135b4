using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Nexus.Crds.Entities;
using Nexus.Operator.Archive;
using Nexus.Operator.Control;
using Nexus.Operator.Metrics;
using Nexus.Shared;
using Nexus.Shared.History;

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
    private readonly JobArchive _history;
    private readonly HistoryStartup _startup;
    private readonly OperatorMetrics _metrics;
    private readonly ILogger _log;
    /// <summary>Consecutive failed archive writes per batch: the backoff of its next try.</summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, int> _archiveFailures = new(StringComparer.Ordinal);

    public BatchController(Informer<AiJobBatch> batches, Informer<AiJob> jobs, KubeApi api, JobArchive history, HistoryStartup startup,
        EventRecorder events, OperatorMetrics metrics, OperatorOptions options, TimeProvider time, ILogger<BatchController> log)
    {
        (_batches, _jobs, _api, _events, _options, _time) = (batches, jobs, api, events, options, time);
        (_history, _startup, _metrics, _log) = (history, startup, metrics, log);
        Queue = new WorkQueue("aijobbatches", Math.Max(2, options.ReconcileConcurrency / 4), ReconcileAsync, log,
            ok => metrics.Reconciles.WithLabels(OperatorMetrics.Kinds.AiJobBatch, ok ? "success" : "error").Inc(), time: time);
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

        if (!Finalizers.Has(batch) && batch.Metadata.DeletionTimestamp is null && batch.Status?.ArchivedAt is null)
        {
            // Made without it (kubectl, or a client that does not add it): held until the batch is archived.
            try
            {
                batch = await _api.MergePatchAsync<AiJobBatch>(ResourceKind.AiJobBatch.Item(ns, name), Finalizers.Patch(batch, add: true), ct);
                _batches.Upsert(batch);
            }
            catch (KubeApiException e) when (e.IsConflict || e.IsNotFound)
            {
                return TimeSpan.FromMilliseconds(100);
            }
        }

        if (finished) return await FinishedAsync(batch, ct);

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
            ArchivedAt = batch.Status?.ArchivedAt,
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

    /// <summary>
    /// A finished batch: archived first (retried with backoff while the database is unavailable), then kept for the
    /// retention, then released (finalizer removed) and deleted. A batch deleted by hand is released once archived.
    /// </summary>
    private async Task<TimeSpan?> FinishedAsync(AiJobBatch batch, CancellationToken ct)
    {
        var name = batch.Metadata.Name;
        var path = ResourceKind.AiJobBatch.Item(_options.Namespace, name);
        var now = _time.GetUtcNow().UtcDateTime;
        if (batch.Status!.ArchivedAt is null)
        {
            try
            {
                _startup.EnsureMigrated();
                await _history.ArchiveBatchAsync(ArchivedBatch.FromAiJobBatch(batch, BatchChildren.Name), ct);
                _archiveFailures.TryRemove(name, out _);
            }
            catch (Exception e) when (e is HistoryUnavailableException or TenantMismatchException)
            {
                var failures = _archiveFailures.AddOrUpdate(name, 1, (_, n) => n + 1);
                _metrics.ArchiveFailures.WithLabels(OperatorMetrics.Kinds.AiJobBatch).Inc();
                var delay = e is TenantMismatchException ? _options.ArchiveRetryMaxDelay
                    : Backoff.Delay(failures, _options.ArchiveRetryBaseDelay, _options.ArchiveRetryMaxDelay);
                _log.LogWarning("batch {Name}: not archived (attempt {Attempt}); retrying in {Delay:0.0}s: {Error}", name, failures, delay.TotalSeconds, e.Message);
                return delay;
            }
            var status = KubernetesJson.Deserialize<AiJobBatchStatus>(KubernetesJson.Serialize(batch.Status));
            status.ArchivedAt = now;
            try
            {
                var written = await _api.ReplaceAsync(path + "/status", new AiJobBatch { Metadata = batch.Metadata, Spec = batch.Spec, Status = status }, ct);
                _batches.Upsert(written);
                _metrics.Archived.WithLabels(OperatorMetrics.Kinds.AiJobBatch).Inc();
            }
            catch (KubeApiException e) when (e.IsConflict || e.IsNotFound)
            {
                return TimeSpan.FromMilliseconds(100); // archived again next time: the upsert is idempotent
            }
            return null; // the written status brings it back
        }
        var deleting = batch.Metadata.DeletionTimestamp is not null;
        var expires = Retention.ExpiresAt(batch.Status.CompletedAt, batch.Status.ArchivedAt.Value, _options.RetentionAfterFinish);
        if (!deleting && now < expires) return expires - now > TimeSpan.FromHours(1) ? TimeSpan.FromHours(1) : expires - now;
        try
        {
            if (Finalizers.Has(batch))
            {
                batch = await _api.MergePatchAsync<AiJobBatch>(path, Finalizers.Patch(batch, add: false), ct);
                if (deleting) return null;
            }
            if (!deleting) await _api.DeleteAsync(path, batch.Metadata.Uid, ct);
        }
        catch (KubeApiException e) when (e.IsConflict)
        {
            return TimeSpan.FromMilliseconds(100);
        }
        catch (KubeApiException e) when (e.IsNotFound)
        {
        }
        return null;
    }

    /// <summary>Finished batches not yet archived (the backlog gauge).</summary>
    public int Backlog => _batches.Items.Count(b => JobPhases.IsTerminal(b.Status?.Phase) && b.Status!.ArchivedAt is null);

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
