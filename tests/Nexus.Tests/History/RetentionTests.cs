using Nexus.Shared.History;
using Nexus.Tests.Support;

namespace Nexus.Tests.History;

/// <summary>The retention sweep: per-tenant ages, small batches, counts of what it removed.</summary>
public sealed class RetentionTests(HistoryDatabaseFixture fixture) : IClassFixture<HistoryDatabaseFixture>
{
    [Fact]
    public async Task The_sweep_deletes_what_outlived_its_tenants_retention_in_small_batches_and_counts_it()
    {
        await using var db = fixture.Open(o => o with { SweepBatchSize = 7 });
        var now = DateTimeOffset.UtcNow;
        ArchivedJob Aged(string tenant, int days) =>
            SampleJobs.Completed(tenant, now.AddDays(-days).AddMinutes(-5)) with { CompletedAt = now.AddDays(-days) };

        // acme: default 90 days. globex: 10 days of its own.
        var acmeOld = Enumerable.Range(0, 20).Select(i => Aged("acme", 91 + i)).ToList();
        var acmeKept = Enumerable.Range(0, 5).Select(i => Aged("acme", 30 + i)).ToList();
        var globexOld = Enumerable.Range(0, 9).Select(i => Aged("globex", 11 + i)).ToList();
        var globexKept = Enumerable.Range(0, 4).Select(i => Aged("globex", 1 + i)).ToList();
        await db.Jobs.ArchiveAsync([.. acmeOld, .. acmeKept, .. globexOld, .. globexKept]);
        await db.Retention.SetRetentionAsync("globex", TimeSpan.FromDays(10));
        await db.Jobs.ArchiveBatchAsync(new ArchivedBatch
        {
            Id = "batch_OLD", Tenant = "acme", Status = "Completed", CreatedAt = now.AddDays(-200), CompletedAt = now.AddDays(-200), Jobs = [],
        });
        await db.IdempotencyKeys.ClaimAsync("acme", "old-key", "fp", "job_1");
        await db.IdempotencyKeys.ClaimAsync("acme", "live-key", "fp", "job_2");
        await using (var age = db.DataSource.CreateCommand("UPDATE idempotency_keys SET expires_at = now() - interval '1 hour' WHERE key = 'old-key'"))
            await age.ExecuteNonQueryAsync();

        var result = await db.Retention.SweepAsync();

        Assert.Equal(new SweepResult(Jobs: 29, Results: 29, Batches: 1, IdempotencyKeys: 1), result);
        foreach (var job in acmeOld.Concat(globexOld)) Assert.Null(await db.Jobs.GetJobAsync(job.Tenant, job.Id));
        foreach (var job in acmeKept.Concat(globexKept)) Assert.NotNull(await db.Jobs.GetJobAsync(job.Tenant, job.Id));
        Assert.Equal(ClaimOutcome.Replay, (await db.IdempotencyKeys.ClaimAsync("acme", "live-key", "fp", "job_x")).Outcome);

        // A second sweep finds nothing; clearing globex's own retention brings the 90-day default back.
        Assert.Equal(0, (await db.Retention.SweepAsync()).Total);
        await db.Retention.ClearRetentionAsync("globex");
        // 80 days on: acme's kept jobs pass 90 days; globex's (81-84 days old) would be gone under its own 10 days.
        Assert.Equal(5, (await db.Retention.SweepAsync(now.AddDays(80))).Jobs);
        Assert.Equal(4, (await db.Retention.SweepAsync(now.AddDays(200))).Jobs);
    }

    [Fact]
    public async Task One_sweep_stops_after_its_batch_budget_and_the_next_goes_on()
    {
        await using var db = fixture.Open(o => o with { SweepBatchSize = 3, SweepMaxBatches = 2 });
        var old = DateTimeOffset.UtcNow.AddDays(-400);
        await db.Jobs.ArchiveAsync(Enumerable.Range(0, 10).Select(i => SampleJobs.Failed("budget", old.AddMinutes(i))).ToList());
        Assert.Equal(6, (await db.Retention.SweepAsync()).Jobs);
        Assert.Equal(4, (await db.Retention.SweepAsync()).Jobs);
        Assert.Equal(0, (await db.Retention.SweepAsync()).Jobs);
    }
}
