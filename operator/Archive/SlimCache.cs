using Nexus.Crds.Entities;

namespace Nexus.Operator.Archive;

/// <summary>
/// What the operator's AiJob cache keeps of each object: never <c>metadata.managedFields</c> (server bookkeeping
/// nothing here reads), and <c>status.result</c> only until the job is archived, since the archive write takes an
/// inline result from the cache. So the cache holds live jobs plus the archive backlog, each small.
/// </summary>
public static class SlimCache
{
    public static object Trim(object obj)
    {
        if (obj is not AiJob job) return obj;
        job.Metadata.ManagedFields = null;
        if (job.Status is { ArchivedAt: not null, Result: not null } s) s.Result = null;
        return job;
    }
}
