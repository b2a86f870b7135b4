using Nexus.Crds.Entities;

namespace Nexus.Operator.Archive;

/// <summary>When a finished, archived AiJob or AiJobBatch leaves the API.</summary>
public static class Retention
{
    /// <summary>
    /// <paramref name="retention"/> after it finished, and never before it was archived. Counted from the finish, not
    /// from the archive write, so the API holds the live objects plus the jobs that finished within the retention and
    /// no more: a slow or late archive (a database outage) does not extend every job's stay by its own delay.
    /// </summary>
    public static DateTime ExpiresAt(DateTime? finishedAt, DateTime archivedAt, TimeSpan retention)
    {
        var archived = JobTimes.Utc(archivedAt);
        var fromFinish = JobTimes.Utc(finishedAt ?? archivedAt) + retention;
        return fromFinish > archived ? fromFinish : archived;
    }
}
