using Nexus.Crds.Entities;

namespace Nexus.Operator.Jobs;

/// <summary>Time facts of a job, in UTC whatever the serializer produced.</summary>
public static class JobTimes
{
    public static DateTime Utc(DateTime t) => t.Kind switch
    {
        DateTimeKind.Utc => t,
        DateTimeKind.Unspecified => DateTime.SpecifyKind(t, DateTimeKind.Utc),
        _ => t.ToUniversalTime(),
    };

    public static DateTime Created(AiJob job) => job.Metadata.CreationTimestamp is { } c ? Utc(c) : DateTime.UtcNow;

    public static DateTime QueuedAt(AiJob job) => job.Status?.QueuedAt is { } q ? Utc(q) : Created(job);

    /// <summary>The attempt deadline: spec.timeoutSeconds, else twice the type's longest typical duration.</summary>
    public static TimeSpan Timeout(AiJob job) =>
        TimeSpan.FromSeconds(job.Spec.TimeoutSeconds ?? (JobTypes.TypicalSeconds.TryGetValue(job.Spec.Type, out var t) ? t.Max * 2 : 600));

    public static TimeSpan Typical(string type) =>
        TimeSpan.FromSeconds(JobTypes.TypicalSeconds.TryGetValue(type, out var t) ? (t.Min + t.Max) / 2.0 : 60);
}
