using Nexus.Crds.Entities;

namespace Nexus.Shared.History;

/// <summary>The events a webhook can subscribe to, and the one a finished job or batch raises.</summary>
public static class WebhookEvents
{
    public const string JobCompleted = "job.completed";
    public const string JobFailed = "job.failed";
    public const string JobCancelled = "job.cancelled";
    public const string BatchFinished = "batch.finished";

    public static readonly IReadOnlyList<string> All = [JobCompleted, JobFailed, JobCancelled, BatchFinished];

    public static bool IsKnown(string? name) => name is not null && All.Contains(name, StringComparer.Ordinal);

    /// <summary>The event of a job that ended in <paramref name="phase"/> (a terminal phase).</summary>
    public static string OfJob(string phase) => phase switch
    {
        JobPhases.Completed => JobCompleted,
        JobPhases.Failed => JobFailed,
        JobPhases.Cancelled => JobCancelled,
        _ => throw new ArgumentException($"'{phase}' is not a terminal phase", nameof(phase)),
    };
}
