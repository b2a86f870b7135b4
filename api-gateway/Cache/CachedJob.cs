using Nexus.Crds.Entities;
using Nexus.Gateway.Jobs;

namespace Nexus.Gateway.Cache;

/// <summary>An AiJob as cached, with what filters and counters need computed once per change rather than per read.</summary>
public sealed record CachedJob(AiJob Job, string Name, string Tenant, string Type, string Priority, DateTimeOffset CreatedAt, string Phase, bool CancelRequested)
{
    public bool IsTerminal => JobPhases.IsTerminal(Phase);

    /// <summary>Counts against the queue limits: queued and not already asked to cancel.</summary>
    public bool IsWaiting => Phase == JobPhases.Queued && !CancelRequested;

    public static CachedJob From(AiJob job)
    {
        var name = job.Metadata.Name ?? "";
        return new CachedJob(job, name, job.Spec.Tenant, job.Spec.Type, job.Spec.Priority,
            JobTimes.CreatedAt(name, job.Metadata.CreationTimestamp), JobPhases.OrQueued(job.Status?.Phase), job.Spec.Cancel);
    }
}
