using Nexus.Crds.Entities;
using Nexus.Gateway.Jobs;

namespace Nexus.Gateway.Cache;

/// <summary>An AiJob as cached, with what filters and counters need computed once per change rather than per read.</summary>
public sealed record CachedJob(AiJob Job, string Name, string Tenant, string Type, string Priority, DateTimeOffset CreatedAt, string Phase, bool CancelRequested)
{
    public bool IsTerminal => JobPhases.IsTerminal(Phase);

    /// <summary>Counts against the queue limits: queued and not already asked to cancel.</summary>
    public bool IsWaiting => Phase == JobPhases.Queued && !CancelRequested;

    /// <summary>
    /// What the operator last relayed through the live table (progress, queue place); kept across informer updates
    /// of the job, shown only while it applies (see <see cref="Progress"/>, <see cref="QueuePosition"/>).
    /// </summary>
    public LiveSignal? Live { get; init; }

    /// <summary>The running attempt's fraction done (0..1); null unless running and relayed for this attempt.</summary>
    public double? Progress =>
        Phase == JobPhases.Running && Live is { Progress: { } p } live && live.Attempt == (Job.Status?.Attempts ?? 0) ? p : null;

    /// <summary>1 = claimed next in its pool; null unless queued (and not being cancelled) with a relayed place.</summary>
    public int? QueuePosition => IsWaiting ? Live?.QueuePosition : null;

    /// <summary>The estimate made from the queue place; null when there is no place to make it from.</summary>
    public DateTimeOffset? QueuedEstimate => QueuePosition is null ? null : Live?.EstimatedCompletionAt;

    public static CachedJob From(AiJob job)
    {
        var name = job.Metadata.Name ?? "";
        return new CachedJob(job, name, job.Spec.Tenant, job.Spec.Type, job.Spec.Priority,
            JobTimes.CreatedAt(name, job.Metadata.CreationTimestamp), JobPhases.OrQueued(job.Status?.Phase), job.Spec.Cancel);
    }
}
