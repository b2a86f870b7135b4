using System.Globalization;
using Nexus.Crds.Entities;

namespace Nexus.Gateway.Jobs;

/// <summary>Timestamps as the API shows them (UTC, milliseconds, <c>Z</c>) and a job's creation time.</summary>
public static class JobTimes
{
    private const string JobNamePrefix = "job-";

    public static string Format(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    public static string? Format(DateTime? time) => time is null ? null : Format(AsUtc(time.Value));

    /// <summary>The API server keeps seconds only; the id's ULID keeps the millisecond the gateway created the job.</summary>
    public static DateTimeOffset CreatedAt(string name, DateTime? creationTimestamp)
    {
        if (name.StartsWith(JobNamePrefix, StringComparison.Ordinal) && Ulid.IsValid(name.AsSpan(JobNamePrefix.Length)))
            return Ulid.Time(name.AsSpan(JobNamePrefix.Length));
        return creationTimestamp is null ? DateTimeOffset.UnixEpoch : AsUtc(creationTimestamp.Value);
    }

    public static DateTimeOffset AsUtc(DateTime time) => time.Kind switch
    {
        DateTimeKind.Utc => new DateTimeOffset(time, TimeSpan.Zero),
        DateTimeKind.Local => new DateTimeOffset(time.ToUniversalTime(), TimeSpan.Zero),
        _ => new DateTimeOffset(DateTime.SpecifyKind(time, DateTimeKind.Utc), TimeSpan.Zero),
    };

    /// <summary>Whole seconds between start and end, rounded; never negative.</summary>
    public static int? DurationSeconds(DateTime? started, DateTime? completed)
    {
        if (started is null || completed is null) return null;
        var seconds = (AsUtc(completed.Value) - AsUtc(started.Value)).TotalSeconds;
        return Math.Max(0, (int)Math.Round(seconds, MidpointRounding.AwayFromZero));
    }
}
