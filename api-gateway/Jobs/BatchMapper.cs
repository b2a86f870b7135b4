using Nexus.Crds.Entities;
using Nexus.Gateway.Cache;

namespace Nexus.Gateway.Jobs;

/// <summary>
/// A batch as the API shows it: its jobs (from the cache, in batch order) and their aggregate status, derived by the
/// contract's <see cref="BatchAggregate"/> exactly as the operator derives the batch status.
/// </summary>
public static class BatchMapper
{
    public static BatchView ToView(AiJobBatch batch, Func<string, CachedJob?> findJob)
    {
        var children = BatchAggregate.Children(batch, name => findJob(name)?.Job);
        var jobs = new List<JobView>(children.Count);
        DateTime? lastCompleted = null;
        foreach (var child in children)
        {
            if (child.Job is not null && findJob(child.Name) is { } cached)
            {
                jobs.Add(JobMapper.ToView(cached));
                if (cached.Job.Status?.CompletedAt is { } c && (lastCompleted is null || c > lastCompleted)) lastCompleted = c;
                continue;
            }
            // Not created yet (queued), or deleted after the batch status recorded it (its last recorded phase).
            var item = batch.Spec.Jobs[child.Index];
            jobs.Add(new JobView
            {
                Id = ResourceIds.JobIdFromName(child.Name), Type = item.Type, Status = JobMapper.StatusOf(child.Phase),
                Priority = item.Priority, Params = item.Params, BatchId = ResourceIds.BatchIdFromName(batch.Metadata.Name),
            });
        }

        var (phase, counts) = BatchAggregate.Of(children);
        return new BatchView
        {
            BatchId = ResourceIds.BatchIdFromName(batch.Metadata.Name),
            Status = JobMapper.StatusOf(phase),
            Sequential = batch.Spec.Sequential,
            CreatedAt = JobTimes.Format(JobTimes.CreatedAt(batch.Metadata.Name, batch.Metadata.CreationTimestamp)),
            CompletedAt = JobPhases.IsTerminal(phase) ? JobTimes.Format(lastCompleted ?? batch.Status?.CompletedAt) : null,
            Counts = new BatchCountsView(counts.Total, counts.Queued, counts.Running, counts.Completed, counts.Failed, counts.Cancelled),
            Jobs = jobs,
        };
    }

    /// <summary>The dispatch answer: the batch id and each job's id, type and status (queued).</summary>
    public static BatchDispatchView ToDispatchView(AiJobBatch batch) => new(
        ResourceIds.BatchIdFromName(batch.Metadata.Name),
        batch.Spec.Jobs.Select((item, index) => new BatchJobSummary(
            ResourceIds.JobIdFromName(BatchChildren.Name(batch, index)), item.Type, JobMapper.StatusOf(JobPhases.Queued))).ToList());
}
