using Nexus.Crds.Entities;

namespace Nexus.Operator.Batches;

/// <summary>A batch's phase and counts from its children's phases.</summary>
public static class BatchAggregate
{
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
        // Children not created yet count as queued.
        counts.Queued += Math.Max(0, total - childPhases.Count);
        var terminal = counts.Completed + counts.Failed + counts.Cancelled;
        string phase;
        if (terminal == total && total > 0)
        {
            phase = counts.Failed > 0 ? JobPhases.Failed : counts.Cancelled > 0 ? JobPhases.Cancelled : JobPhases.Completed;
        }
        else
        {
            phase = counts.Running > 0 || terminal > 0 ? JobPhases.Running : JobPhases.Queued;
        }
        return (phase, counts);
    }

    /// <summary>The child's name: the item's pre-assigned name, else <c>batch-index</c>.</summary>
    public static string ChildName(AiJobBatch batch, int index) =>
        batch.Spec.Jobs[index].Name is { Length: > 0 } n ? n : $"{batch.Metadata.Name}-{index}";
}
