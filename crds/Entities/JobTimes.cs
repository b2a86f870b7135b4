using System.Globalization;

namespace Nexus.Crds.Entities;

/// <summary>
/// Time facts of jobs and batches, read the same way by the gateway and the operator: UTC whatever the serializer
/// produced, the creation time a name's ULID carries, the API's timestamp format, timeouts and typical durations.
/// </summary>
public static class JobTimes
{
    private const string JobNamePrefix = "job-";
    private const string BatchNamePrefix = "batch-";

    /// <summary>Timestamps as the REST API shows them: UTC, milliseconds, <c>Z</c>.</summary>
    public static string Format(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    public static string? Format(DateTime? time) => time is null ? null : Format(AsUtc(time.Value));

    /// <summary>
    /// When an AiJob or AiJobBatch was created. The API server keeps seconds only; a <c>job-</c>/<c>batch-</c> name's
    /// ULID keeps the millisecond the gateway made it. Names without a ULID (kubectl-created objects) fall back to
    /// the creationTimestamp, and to the epoch when even that is unknown.
    /// </summary>
    public static DateTimeOffset CreatedAt(string name, DateTime? creationTimestamp) =>
        UlidTime(name) ?? (creationTimestamp is { } c ? AsUtc(c) : DateTimeOffset.UnixEpoch);

    /// <summary><see cref="CreatedAt(string, DateTime?)"/> of a job, as a UTC DateTime; now when nothing says otherwise.</summary>
    public static DateTime Created(AiJob job)
    {
        if (UlidTime(job.Metadata.Name ?? "") is { } fromName) return fromName.UtcDateTime;
        return job.Metadata.CreationTimestamp is { } c ? Utc(c) : DateTime.UtcNow;
    }

    public static DateTime QueuedAt(AiJob job) => job.Status?.QueuedAt is { } q ? Utc(q) : Created(job);

    /// <summary>The time in a <c>job-</c> or <c>batch-</c> name's ULID; null for other names.</summary>
    public static DateTimeOffset? UlidTime(string name)
    {
        var prefix = name.StartsWith(JobNamePrefix, StringComparison.Ordinal) ? JobNamePrefix
            : name.StartsWith(BatchNamePrefix, StringComparison.Ordinal) ? BatchNamePrefix : null;
        if (prefix is null) return null;
        var ulid = name.AsSpan(prefix.Length);
        return Ulid.IsValid(ulid) ? Ulid.Time(ulid) : null;
    }

    public static DateTime Utc(DateTime t) => t.Kind switch
    {
        DateTimeKind.Utc => t,
        DateTimeKind.Unspecified => DateTime.SpecifyKind(t, DateTimeKind.Utc),
        _ => t.ToUniversalTime(),
    };

    public static DateTimeOffset AsUtc(DateTime time) => new(Utc(time), TimeSpan.Zero);

    /// <summary>Whole seconds between start and end, rounded; never negative.</summary>
    public static int? DurationSeconds(DateTime? started, DateTime? completed)
    {
        if (started is null || completed is null) return null;
        var seconds = (AsUtc(completed.Value) - AsUtc(started.Value)).TotalSeconds;
        return Math.Max(0, (int)Math.Round(seconds, MidpointRounding.AwayFromZero));
    }

    /// <summary>The attempt deadline: spec.timeoutSeconds, else twice the type's longest typical duration.</summary>
    public static TimeSpan Timeout(AiJob job) =>
        TimeSpan.FromSeconds(job.Spec.TimeoutSeconds ?? JobOptions.DefaultTimeoutSeconds(job.Spec.Type));

    /// <summary>The middle of the type's documented typical run time.</summary>
    public static TimeSpan Typical(string type) =>
        TimeSpan.FromSeconds(JobTypes.TypicalSeconds.TryGetValue(type, out var t) ? (t.Min + t.Max) / 2.0 : 60);
}
