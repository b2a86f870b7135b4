using Nexus.Crds.Entities;
using Nexus.Gateway.Cache;

namespace Nexus.Gateway.Jobs;

/// <summary>A batch as the API shows it: its jobs (from the cache, in batch order) and their aggregate status.</summary>
public static class BatchMapper
{
    public static BatchView ToView(AiJobBatch batch, Func<string, CachedJob?> findJob)
    {
        var jobs = new List<JobView>(batch.Spec.Jobs.Count);
        var phases = new List<string>(batch.Spec.Jobs.Count);
        DateTime? lastCompleted = null;
        for (var i = 0; i < batch.Spec.Jobs.Count; i++)
        {
            var name = BatchDispatcher.ChildName(batch, i);
            var child = findJob(name);
            if (child is null)
            {
                // Not created yet (the operator creates missing children): it is waiting like any queued job.
                var item = batch.Spec.Jobs[i];
                jobs.Add(new JobView
                {
                    Id = ResourceIds.JobIdFromName(name), Type = item.Type, Status = JobMapper.StatusOf(JobPhases.Queued),
                    Priority = item.Priority, Params = item.Params, BatchId = ResourceIds.BatchIdFromName(batch.Metadata.Name),
                });
                phases.Add(JobPhases.Queued);
                continue;
            }
            jobs.Add(JobMapper.ToView(child));
            phases.Add(child.Phase);
            if (child.Job.Status?.CompletedAt is { } c && (lastCompleted is null || c > lastCompleted)) lastCompleted = c;
        }

        var phase = Aggregate(phases);
        return new BatchView
        {
            BatchId = ResourceIds.BatchIdFromName(batch.Metadata.Name),
            Status = JobMapper.StatusOf(phase),
            Sequential = batch.Spec.Sequential,
            CreatedAt = JobTimes.Format(JobTimes.CreatedAt("job-" + UlidOf(batch.Metadata.Name), batch.Metadata.CreationTimestamp)),
            CompletedAt = JobPhases.IsTerminal(phase) ? JobTimes.Format(lastCompleted) : null,
            Counts = new BatchCountsView(phases.Count,
                phases.Count(p => p == JobPhases.Queued), phases.Count(p => p == JobPhases.Running),
                phases.Count(p => p == JobPhases.Completed), phases.Count(p => p == JobPhases.Failed),
                phases.Count(p => p == JobPhases.Cancelled)),
            Jobs = jobs,
        };
    }

    /// <summary>
    /// All completed → completed; all terminal with a failure → failed; all terminal otherwise → cancelled;
    /// anything started or finished while others wait → running; else queued.
    /// </summary>
    public static string Aggregate(IReadOnlyCollection<string> phases)
    {
        if (phases.Count == 0) return JobPhases.Queued;
        if (phases.All(JobPhases.IsTerminal))
        {
            if (phases.All(p => p == JobPhases.Completed)) return JobPhases.Completed;
            return phases.Contains(JobPhases.Failed) ? JobPhases.Failed : JobPhases.Cancelled;
        }
        return phases.Any(p => p != JobPhases.Queued) ? JobPhases.Running : JobPhases.Queued;
    }

    private static string UlidOf(string batchName) => batchName.StartsWith("batch-", StringComparison.Ordinal) ? batchName[6..] : "";
}
