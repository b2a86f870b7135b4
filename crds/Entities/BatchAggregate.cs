namespace Nexus.Crds.Entities;

/// <summary>One child of a batch as the aggregate sees it.</summary>
public sealed record BatchChild(int Index, string Name, AiJob? Job, string Phase);

/// <summary>
/// A batch's phase and counts, derived from its children the same way by the operator (which writes them into the
/// status) and the gateway (which serves them from its cache, possibly ahead of the status).
/// <para>
/// A child's phase is its live phase; a child deleted after the batch status recorded it keeps the phase last
/// recorded (it ran, and is not run again); a child not created yet is queued, like any job waiting to run.
/// </para>
/// </summary>
public static class BatchAggregate
{
    /// <summary>Each child of the batch, in item order, with the phase the aggregate counts for it.</summary>
    public static IReadOnlyList<BatchChild> Children(AiJobBatch batch, Func<string, AiJob?> findJob)
    {
        var recorded = batch.Status?.Jobs?.ToDictionary(j => j.Name, j => j.Phase, StringComparer.Ordinal)
                       ?? new Dictionary<string, string?>(StringComparer.Ordinal);
        var children = new List<BatchChild>(batch.Spec.Jobs.Count);
        for (var i = 0; i < batch.Spec.Jobs.Count; i++)
        {
            var name = BatchChildren.Name(batch, i);
            var job = findJob(name);
            var phase = job is not null ? job.Status?.Phase : recorded.GetValueOrDefault(name);
            children.Add(new BatchChild(i, name, job, JobPhases.OrQueued(phase)));
        }
        return children;
    }

    /// <summary>Whether a child that is missing was recorded in the batch status (seen, then deleted): never recreate it.</summary>
    public static bool WasRecorded(AiJobBatch batch, string childName) =>
        batch.Status?.Jobs?.Any(j => j.Name == childName) == true;

    /// <summary>
    /// All completed → Completed; all terminal with a failure → Failed; all terminal otherwise → Cancelled;
    /// anything started or finished while others wait → Running; else (or no children) Queued. Children beyond
    /// <paramref name="childPhases"/> up to <paramref name="total"/> are not created yet and count as queued.
    /// </summary>
    public static (string Phase, AiJobBatchCounts Counts) Of(IReadOnlyList<string?> childPhases, int total)
    {
        var counts = new AiJobBatchCounts { Total = total };
        foreach (var p in childPhases)
        {
            switch (JobPhases.OrQueued(p))
            {
                case JobPhases.Running: counts.Running++; break;
                case JobPhases.Completed: counts.Completed++; break;
                case JobPhases.Failed: counts.Failed++; break;
                case JobPhases.Cancelled: counts.Cancelled++; break;
                default: counts.Queued++; break;
            }
        }
        counts.Queued += Math.Max(0, total - childPhases.Count);
        var terminal = counts.Completed + counts.Failed + counts.Cancelled;
        string phase;
        if (terminal == total && total > 0)
            phase = counts.Failed > 0 ? JobPhases.Failed : counts.Cancelled > 0 ? JobPhases.Cancelled : JobPhases.Completed;
        else
            phase = counts.Running > 0 || terminal > 0 ? JobPhases.Running : JobPhases.Queued;
        return (phase, counts);
    }

    public static (string Phase, AiJobBatchCounts Counts) Of(IReadOnlyList<BatchChild> children) =>
        Of(children.Select(c => (string?)c.Phase).ToList(), children.Count);
}
