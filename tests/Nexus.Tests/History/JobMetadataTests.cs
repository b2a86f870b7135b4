using Nexus.Shared.History;
using Nexus.Tests.Support;

namespace Nexus.Tests.History;

/// <summary>A job's options and metadata in the archived record, and the list's <c>metadata @&gt;</c> filter with keyset paging.</summary>
public sealed class JobMetadataTests(HistoryDatabaseFixture fixture) : IClassFixture<HistoryDatabaseFixture>
{
    private JobArchive Jobs => fixture.Db.Jobs;

    [Fact]
    public async Task Options_metadata_and_retry_of_read_back()
    {
        var tenant = "meta" + Guid.NewGuid().ToString("N")[..8];
        var first = SampleJobs.Completed(tenant);
        var job = SampleJobs.Completed(tenant) with
        {
            MaxRetries = 4, TimeoutSeconds = 90, RetryOf = first.Id,
            Metadata = new Dictionary<string, string> { ["order"] = "po-1", ["team"] = "pricing" },
        };
        await Jobs.ArchiveAsync(job);
        var read = await Jobs.GetJobAsync(tenant, job.Id);
        Assert.NotNull(read);
        Assert.Equal(4, read.MaxRetries);
        Assert.Equal(90, read.TimeoutSeconds);
        Assert.Equal(first.Id, read.RetryOf);
        Assert.Equal(job.Metadata.OrderBy(e => e.Key), read.Metadata!.OrderBy(e => e.Key));

        await Jobs.ArchiveAsync(first);
        var plain = await Jobs.GetJobAsync(tenant, first.Id);
        Assert.Null(plain!.Metadata);
        Assert.Null(plain.MaxRetries);
        Assert.Null(plain.RetryOf);
    }

    [Fact]
    public async Task The_metadata_filter_is_an_AND_of_pairs_and_pages_by_keyset()
    {
        var tenant = "meta" + Guid.NewGuid().ToString("N")[..8];
        var start = DateTimeOffset.UtcNow.AddHours(-1);
        var jobs = Enumerable.Range(0, 12).Select(i => SampleJobs.Completed(tenant, start.AddSeconds(i)) with
        {
            Metadata = new Dictionary<string, string> { ["team"] = i % 2 == 0 ? "pricing" : "ops", ["wave"] = (i % 3).ToString() },
        }).ToList();
        await Jobs.ArchiveAsync(jobs);
        // Another tenant's job with the same metadata is never listed.
        await Jobs.ArchiveAsync(SampleJobs.Completed("other" + tenant) with { Metadata = new Dictionary<string, string> { ["team"] = "pricing" } });

        var filter = new Dictionary<string, string> { ["team"] = "pricing", ["wave"] = "0" };
        var expected = jobs.Where(j => j.Metadata!["team"] == "pricing" && j.Metadata["wave"] == "0")
            .OrderByDescending(j => j.CreatedAt).Select(j => j.Id).ToList();
        Assert.Equal(2, expected.Count); // i = 0 and 6

        var seen = new List<string>();
        JobCursor? after = null;
        do
        {
            var page = await Jobs.ListJobsAsync(new JobListQuery { Tenant = tenant, Metadata = filter, Limit = 1, After = after });
            seen.AddRange(page.Jobs.Select(j => j.Id));
            after = page.Next;
        } while (after is not null);
        Assert.Equal(expected, seen);

        var none = await Jobs.ListJobsAsync(new JobListQuery { Tenant = tenant, Metadata = new Dictionary<string, string> { ["team"] = "nobody" } });
        Assert.Empty(none.Jobs);
        var all = await Jobs.ListJobsAsync(new JobListQuery { Tenant = tenant, Metadata = new Dictionary<string, string> { ["team"] = "ops" } });
        Assert.Equal(6, all.Jobs.Count);
    }
}
