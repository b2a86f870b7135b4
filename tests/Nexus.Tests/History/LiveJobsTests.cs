using Nexus.Shared.History;
using Nexus.Tests.Support;

namespace Nexus.Tests.History;

/// <summary>The live_jobs table: one multi-row upsert, reads of what changed, and rows going with their job's archive.</summary>
public sealed class LiveJobsTests(HistoryDatabaseFixture fixture) : IClassFixture<HistoryDatabaseFixture>
{
    private static LiveJobSignal Signal(ArchivedJob job, float? progress = null, int? position = null) =>
        new(job.Id, "job-" + job.Id[4..].ToLowerInvariant(), job.Tenant, 1, progress, position, position is null ? null : 2);

    [Fact]
    public async Task One_upsert_writes_many_jobs_and_a_reader_sees_each_change_once_past_its_cursor()
    {
        await using var db = fixture.Open();
        var a = SampleJobs.Completed("acme");
        var b = SampleJobs.Completed("acme");

        Assert.Equal(2, await db.Live.UpsertAsync([Signal(a, progress: 0.25f), Signal(b, position: 3)]));
        var first = Mine(await db.Live.ChangedSinceAsync(LiveJobCursor.Start, 100_000), a, b);
        Assert.Equal(2, first.Count);
        Assert.Equal(0.25f, first.Single(r => r.Signal.JobId == a.Id).Signal.Progress);
        Assert.Equal(3, first.Single(r => r.Signal.JobId == b.Id).Signal.QueuePosition);
        Assert.Null(first.Single(r => r.Signal.JobId == b.Id).Signal.Progress);

        // Listed twice in one call: the last one counts (the statement could not update a row twice).
        Assert.Equal(1, await db.Live.UpsertAsync([Signal(a, progress: 0.5f), Signal(a, progress: 0.75f)]));
        var cursor = first.Select(r => new LiveJobCursor(r.UpdatedAt, r.Signal.JobId)).Max();
        var second = Mine(await db.Live.ChangedSinceAsync(cursor), a, b);
        Assert.Equal([a.Id], second.Select(r => r.Signal.JobId));
        Assert.Equal(0.75f, second[0].Signal.Progress);
    }

    [Fact]
    public async Task Archiving_a_job_deletes_its_row_and_a_later_upsert_does_not_bring_it_back()
    {
        await using var db = fixture.Open();
        var job = SampleJobs.Completed("acme");
        var other = SampleJobs.Completed("acme");
        await db.Live.UpsertAsync([Signal(job, progress: 0.5f), Signal(other, position: 1)]);

        await db.Jobs.ArchiveAsync(job);

        Assert.Equal(0, await CountAsync(db, job.Id));
        Assert.Equal(1, await CountAsync(db, other.Id));
        // A flush that raced the archive: its row stays gone.
        Assert.Equal(0, await db.Live.UpsertAsync([Signal(job, progress: 0.9f)]));
        Assert.Equal(0, await CountAsync(db, job.Id));
    }

    [Fact]
    public async Task The_sweep_removes_rows_left_for_archived_jobs()
    {
        await using var db = fixture.Open();
        var job = SampleJobs.Completed("acme");
        await db.Jobs.ArchiveAsync(job);
        // What an upsert that committed after the archive's delete would leave.
        await using (var insert = db.DataSource.CreateCommand("INSERT INTO live_jobs (job_id, name, tenant, attempt) VALUES ($1, 'x', 'acme', 1)"))
        {
            insert.Parameters.Add(new Npgsql.NpgsqlParameter<string> { TypedValue = job.Id });
            await insert.ExecuteNonQueryAsync();
        }

        await db.Retention.SweepAsync();

        Assert.Equal(0, await CountAsync(db, job.Id));
    }

    [Fact]
    public async Task Bad_signals_are_refused_before_anything_is_written()
    {
        await using var db = fixture.Open();
        var job = SampleJobs.Completed("acme");
        await Assert.ThrowsAsync<ArgumentException>(() => db.Live.UpsertAsync([Signal(job, progress: 1.5f)]));
        await Assert.ThrowsAsync<ArgumentException>(() => db.Live.UpsertAsync([Signal(job) with { QueuePosition = 0 }]));
        Assert.Equal(0, await CountAsync(db, job.Id));
    }

    private static List<LiveJobRow> Mine(IReadOnlyList<LiveJobRow> rows, params ArchivedJob[] jobs) =>
        rows.Where(r => jobs.Any(j => j.Id == r.Signal.JobId)).ToList();

    private static async Task<long> CountAsync(HistoryDatabase db, string id)
    {
        await using var cmd = db.DataSource.CreateCommand("SELECT count(*) FROM live_jobs WHERE job_id = $1");
        cmd.Parameters.Add(new Npgsql.NpgsqlParameter<string> { TypedValue = id });
        return (long)(await cmd.ExecuteScalarAsync())!;
    }
}
