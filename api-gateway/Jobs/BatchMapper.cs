using Nexus.Crds.Entities;
using Nexus.Gateway.Cache;
using Nexus.Shared.History;

namespace Nexus.Gateway.Jobs;

/// <summary>One job of a batch as its view needs it: its place, what it was, its phase and (when known) its record.</summary>
public sealed record BatchMember(int Index, string Id, string Type, string Priority, string Phase, ArchivedJob? Record,
    System.Text.Json.JsonElement? Params = null);

/// <summary>
/// A batch as the API shows it: its jobs in batch order and their aggregate status, derived by the contract's
/// <see cref="BatchAggregate"/> exactly as the operator derives the batch status. A live batch (from the cache) and an
/// archived one (from the history database) are both turned into <see cref="BatchMember"/>s and rendered by one
/// <see cref="ToView(string, bool, DateTimeOffset, DateTimeOffset?, IReadOnlyList{BatchMember})"/>, so they look the same.
/// Members carry no result (as in lists): <c>GET /api/ai-jobs/{id}</c> has it.
/// </summary>
public static class BatchMapper
{
    public static BatchView ToView(string batchId, bool sequential, DateTimeOffset createdAt, DateTimeOffset? recordedCompletedAt,
        IReadOnlyList<BatchMember> members)
    {
        var jobs = new List<JobView>(members.Count);
        DateTimeOffset? lastCompleted = null;
        foreach (var member in members)
        {
            if (member.Record is { } record)
            {
                jobs.Add(JobMapper.ToView(record with { Result = null }));
                if (JobPhases.IsTerminal(record.Status) && record.CompletedAt is { } c && (lastCompleted is null || c > lastCompleted)) lastCompleted = c;
                continue;
            }
            // Not created yet (queued), or gone after the batch status recorded it (its last recorded phase).
            jobs.Add(new JobView
            {
                Id = member.Id, Type = member.Type, Status = JobMapper.StatusOf(member.Phase), Priority = member.Priority,
                Params = member.Params, BatchId = batchId,
            });
        }

        var (phase, counts) = BatchAggregate.Of(members.Select(m => (string?)m.Phase).ToList(), members.Count);
        var completed = lastCompleted ?? recordedCompletedAt;
        return new BatchView
        {
            BatchId = batchId,
            Status = JobMapper.StatusOf(phase),
            Sequential = sequential,
            CreatedAt = JobTimes.Format(createdAt),
            CompletedAt = JobPhases.IsTerminal(phase) && completed is { } done ? JobTimes.Format(done) : null,
            Counts = new BatchCountsView(counts.Total, counts.Queued, counts.Running, counts.Completed, counts.Failed, counts.Cancelled),
            Jobs = jobs,
        };
    }

    /// <summary>
    /// A live batch: members from the cache; <paramref name="archivedChildren"/> (by REST id) are children gone from the
    /// cache (archived and deleted while the batch lives on).
    /// </summary>
    public static BatchView ToView(AiJobBatch batch, Func<string, CachedJob?> findJob, IReadOnlyDictionary<string, ArchivedJob>? archivedChildren = null)
    {
        var children = BatchAggregate.Children(batch, name => findJob(name)?.Job);
        var members = children.Select(child =>
        {
            var item = batch.Spec.Jobs[child.Index];
            var id = ResourceIds.JobIdFromName(child.Name);
            var record = child.Job is not null && findJob(child.Name) is { } cached ? JobMapper.RecordOf(cached)
                : archivedChildren?.GetValueOrDefault(id);
            return new BatchMember(child.Index, id, item.Type, item.Priority, record?.Status ?? child.Phase, record, item.Params);
        }).ToList();
        var name = batch.Metadata.Name;
        return ToView(ResourceIds.BatchIdFromName(name), batch.Spec.Sequential, JobTimes.CreatedAt(name, batch.Metadata.CreationTimestamp),
            batch.Status?.CompletedAt is { } c ? JobTimes.AsUtc(c) : null, members);
    }

    /// <summary>
    /// The REST ids of the batch's children the cache does not hold: not created yet, or finished, archived and gone
    /// from etcd (then the history database has them).
    /// </summary>
    public static IEnumerable<string> GoneChildren(AiJobBatch batch, Func<string, CachedJob?> findJob) =>
        BatchChildren.Names(batch).Where(name => findJob(name) is null).Select(ResourceIds.JobIdFromName);

    /// <summary>An archived batch with its archived jobs.</summary>
    public static BatchView ToView(ArchivedBatchWithJobs archived)
    {
        var byIndex = archived.Jobs.Where(j => j.BatchIndex is not null).ToDictionary(j => j.BatchIndex!.Value);
        var batch = archived.Batch;
        var members = batch.Jobs.Select(item =>
        {
            var record = byIndex.GetValueOrDefault(item.Index);
            // A member without a record of its own ended with the batch: it counts as the batch's outcome.
            return new BatchMember(item.Index, item.Id, item.Type, item.Priority, record?.Status ?? batch.Status, record);
        }).ToList();
        return ToView(batch.Id, batch.Sequential, batch.CreatedAt, batch.CompletedAt, members);
    }

    /// <summary>The dispatch answer: the batch id and each job's id, type and status (queued).</summary>
    public static BatchDispatchView ToDispatchView(AiJobBatch batch) => new(
        ResourceIds.BatchIdFromName(batch.Metadata.Name),
        batch.Spec.Jobs.Select((item, index) => new BatchJobSummary(
            ResourceIds.JobIdFromName(BatchChildren.Name(batch, index)), item.Type, JobMapper.StatusOf(JobPhases.Queued))).ToList());

    /// <summary>The dispatch answer replayed for a batch that is archived already.</summary>
    public static BatchDispatchView ToDispatchView(ArchivedBatch batch) => new(batch.Id,
        batch.Jobs.Select(item => new BatchJobSummary(item.Id, item.Type, JobMapper.StatusOf(JobPhases.Queued))).ToList());
}
