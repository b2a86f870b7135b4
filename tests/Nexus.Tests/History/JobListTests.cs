using Nexus.Crds.Entities;
using Nexus.Shared.History;
using Nexus.Tests.Support;

namespace Nexus.Tests.History;

/// <summary>One class fixture loaded with thousands of archived jobs over three tenants, for lists and query plans.</summary>
public sealed class LoadedArchiveFixture : IAsyncLifetime
{
    public const int Count = 30_000;
    public static readonly string[] Tenants = ["acme", "globex", "initech"];

    private readonly HistoryDatabaseFixture _database = new();

    public HistoryDatabase Db => _database.Db;
    public List<ArchivedJob> All { get; private set; } = [];

    public async Task InitializeAsync()
    {
        await _database.InitializeAsync();
        All = SampleJobs.Many(Count, Tenants, withResults: true);
        await Db.Jobs.BulkImportAsync(All);
        await using var analyze = Db.DataSource.CreateCommand("ANALYZE jobs; ANALYZE job_results");
        await analyze.ExecuteNonQueryAsync();
    }

    public Task DisposeAsync() => _database.DisposeAsync();
}

/// <summary>Keyset paging newest first with every filter, checked against the loaded rows; plans use indexes.</summary>
public sealed class JobListTests(LoadedArchiveFixture fixture) : IClassFixture<LoadedArchiveFixture>
{
    private static IEnumerable<ArchivedJob> Expected(IEnumerable<ArchivedJob> all, JobListQuery q) =>
        all.Where(j => j.Tenant == q.Tenant && (q.Type is null || j.Type == q.Type) && (q.Status is null || j.Status == q.Status)
                       && (q.Start is null || j.CreatedAt.ToUnixTimeMilliseconds() >= q.Start.Value.ToUnixTimeMilliseconds())
                       && (q.End is null || j.CreatedAt.ToUnixTimeMilliseconds() <= q.End.Value.ToUnixTimeMilliseconds()))
            .OrderByDescending(j => j.CreatedAt.ToUnixTimeMilliseconds()).ThenByDescending(j => j.Id, StringComparer.Ordinal);

    public static TheoryData<string?, string?, bool> Filters => new()
    {
        { null, null, false },
        { JobTypes.ReviewSentiment, null, false },
        { null, JobPhases.Failed, false },
        { JobTypes.CompetitorScan, JobPhases.Completed, true },
        { null, null, true },
    };

    [Theory]
    [MemberData(nameof(Filters))]
    public async Task Paging_through_a_filtered_list_returns_every_match_once_newest_first(string? type, string? status, bool dated)
    {
        var newest = fixture.All.Max(j => j.CreatedAt);
        var query = new JobListQuery
        {
            Tenant = "globex", Type = type, Status = status, Limit = 173,
            Start = dated ? newest.AddHours(-10) : null, End = dated ? newest.AddHours(-2) : null,
        };
        var expected = Expected(fixture.All, query).Select(j => j.Id).ToList();
        Assert.NotEmpty(expected);

        var seen = new List<string>();
        JobCursor? after = null;
        for (var pages = 0; ; pages++)
        {
            Assert.True(pages < 200, "paging did not end");
            var page = await fixture.Db.Jobs.ListJobsAsync(query with { After = after });
            Assert.True(page.Jobs.Count <= query.Limit);
            seen.AddRange(page.Jobs.Select(j => j.Id));
            if (!page.HasMore) break;
            Assert.Equal(query.Limit, page.Jobs.Count);
            after = page.Next;
        }
        Assert.Equal(expected, seen);
    }

    [Fact]
    public async Task Jobs_created_in_the_same_millisecond_page_by_id_without_repeats()
    {
        var at = DateTimeOffset.UtcNow.AddDays(-30);
        var twins = Enumerable.Range(0, 7).Select(_ => SampleJobs.Completed("umbrella", at) with { Result = null }).ToList();
        await fixture.Db.Jobs.ArchiveAsync(twins);
        var seen = new List<string>();
        JobCursor? after = null;
        do
        {
            var page = await fixture.Db.Jobs.ListJobsAsync(new JobListQuery { Tenant = "umbrella", Limit = 2, After = after });
            seen.AddRange(page.Jobs.Select(j => j.Id));
            after = page.Next;
        } while (after is not null);
        Assert.Equal(twins.Select(j => j.Id).OrderByDescending(id => id, StringComparer.Ordinal), seen);
    }

    [Theory]
    [MemberData(nameof(Filters))]
    public async Task The_list_query_uses_an_index_not_a_sequential_scan(string? type, string? status, bool dated)
    {
        var middle = fixture.All[LoadedArchiveFixture.Count / 2];
        var query = new JobListQuery
        {
            Tenant = "acme", Type = type, Status = status, Limit = 50, After = JobCursor.Of(middle),
            Start = dated ? middle.CreatedAt.AddDays(-3) : null, End = dated ? middle.CreatedAt : null,
        };
        var plan = await fixture.Db.Jobs.ExplainListAsync(query);
        Assert.DoesNotContain("Seq Scan", plan);
        Assert.Contains("Index", plan);
        Assert.DoesNotContain("Sort ", plan); // the index gives the order: no sort of all matches
    }

    [Fact]
    public async Task Results_are_left_out_of_lists_unless_asked_for()
    {
        var job = SampleJobs.Completed("hooli", DateTimeOffset.UtcNow.AddDays(-40));
        await fixture.Db.Jobs.ArchiveAsync(job);
        var plain = Assert.Single((await fixture.Db.Jobs.ListJobsAsync(new JobListQuery { Tenant = "hooli" })).Jobs);
        Assert.Null(plain.Result);
        Assert.NotNull(plain.ResultSizeBytes);
        var full = Assert.Single((await fixture.Db.Jobs.ListJobsAsync(new JobListQuery { Tenant = "hooli", IncludeResults = true })).Jobs);
        Assert.Equal(job.Result!.Value.GetRawText(), full.Result!.Value.GetRawText());
    }
}
