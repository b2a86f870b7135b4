using k8s.Models;
using Nexus.Crds.Entities;

namespace Nexus.Tests.Crds;

public class JobTimesTests
{
    [Fact]
    public void Created_at_comes_from_the_ulid_millisecond()
    {
        var at = new DateTimeOffset(2026, 3, 12, 14, 32, 1, 123, TimeSpan.Zero);
        var name = "job-" + Ulid.NewUlid(at).ToLowerInvariant();
        Assert.Equal(at, JobTimes.CreatedAt(name, new DateTime(2026, 3, 12, 14, 32, 1, DateTimeKind.Utc)));
        Assert.Equal("2026-03-12T14:32:01.123Z", JobTimes.Format(JobTimes.CreatedAt(name, null)));
        Assert.Equal(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero),
            JobTimes.CreatedAt("made-by-kubectl", new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc)));
        Assert.Equal(27, JobTimes.DurationSeconds(new DateTime(2026, 1, 1, 0, 0, 5), new DateTime(2026, 1, 1, 0, 0, 32)));
    }

    [Fact]
    public void Batches_and_jobs_read_their_creation_time_the_same_way()
    {
        var at = new DateTimeOffset(2026, 5, 1, 8, 0, 0, 456, TimeSpan.Zero);
        var ulid = Ulid.NewUlid(at).ToLowerInvariant();
        Assert.Equal(at, JobTimes.CreatedAt("batch-" + ulid, null));
        var job = new AiJob { Metadata = new V1ObjectMeta { Name = "job-" + ulid, CreationTimestamp = at.UtcDateTime.AddSeconds(-1) } };
        Assert.Equal(at.UtcDateTime, JobTimes.Created(job));
        Assert.Equal(DateTimeKind.Utc, JobTimes.Created(job).Kind);
        var kubectl = new AiJob { Metadata = new V1ObjectMeta { Name = "by-hand", CreationTimestamp = new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Unspecified) } };
        Assert.Equal(new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc), JobTimes.Created(kubectl));
        Assert.Equal(JobTimes.Created(kubectl), JobTimes.QueuedAt(kubectl));
    }

    [Fact]
    public void Timeouts_default_to_twice_the_longest_typical_run()
    {
        var job = new AiJob { Spec = new AiJobSpec { Type = JobTypes.PricingRecalculate } };
        Assert.Equal(TimeSpan.FromSeconds(JobTypes.TypicalSeconds[JobTypes.PricingRecalculate].Max * 2), JobTimes.Timeout(job));
        job.Spec.TimeoutSeconds = 7;
        Assert.Equal(TimeSpan.FromSeconds(7), JobTimes.Timeout(job));
    }
}
