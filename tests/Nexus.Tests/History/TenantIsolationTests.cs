using Nexus.Shared.History;
using Nexus.Tests.Support;

namespace Nexus.Tests.History;

/// <summary>Every read path names the tenant: another tenant's rows are never returned, never overwritten.</summary>
public sealed class TenantIsolationTests(HistoryDatabaseFixture fixture) : IClassFixture<HistoryDatabaseFixture>
{
    [Fact]
    public async Task No_query_path_returns_another_tenants_row()
    {
        var jobs = fixture.Db.Jobs;
        var mine = SampleJobs.Completed("acme") with { BatchId = "batch_ACME", BatchIndex = 0 };
        await jobs.ArchiveAsync(mine);
        await jobs.ArchiveBatchAsync(new ArchivedBatch
        {
            Id = "batch_ACME", Tenant = "acme", Status = "Completed", CreatedAt = mine.CreatedAt,
            Jobs = [new ArchivedBatchItem(0, mine.Id, mine.Type, mine.Priority)],
        });
        await fixture.Db.IdempotencyKeys.ClaimAsync("acme", "shared-key", "fp-acme", mine.Id);

        // The owner sees everything (so the probes below would find the rows if the tenant were not checked).
        Assert.NotNull(await jobs.GetJobAsync("acme", mine.Id));
        Assert.NotNull(await jobs.GetResultAsync("acme", mine.Id));
        Assert.NotNull(await jobs.GetBatchAsync("acme", "batch_ACME"));
        Assert.Contains((await jobs.ListJobsAsync(new JobListQuery { Tenant = "acme" })).Jobs, j => j.Id == mine.Id);

        // Another tenant, by every path, with the exact ids.
        Assert.Null(await jobs.GetJobAsync("globex", mine.Id));
        Assert.Null(await jobs.GetResultAsync("globex", mine.Id));
        Assert.False(await jobs.CopyResultToAsync("globex", mine.Id, new MemoryStream()));
        Assert.Null(await jobs.GetBatchAsync("globex", "batch_ACME"));
        foreach (var query in new[]
                 {
                     new JobListQuery { Tenant = "globex" },
                     new JobListQuery { Tenant = "globex", Type = mine.Type },
                     new JobListQuery { Tenant = "globex", Status = mine.Status, IncludeResults = true },
                     new JobListQuery { Tenant = "globex", Start = mine.CreatedAt.AddDays(-1), End = mine.CreatedAt.AddDays(1) },
                     new JobListQuery { Tenant = "globex", After = new JobCursor(mine.CreatedAt.AddDays(1), "job_~") },
                 })
        {
            Assert.DoesNotContain((await jobs.ListJobsAsync(query)).Jobs, j => j.Tenant != "globex");
        }
        // Keys are per tenant: the same key is free for another tenant.
        var theirs = await fixture.Db.IdempotencyKeys.ClaimAsync("globex", "shared-key", "fp-globex", "job_GLOBEX");
        Assert.Equal(ClaimOutcome.Owned, theirs.Outcome);
        Assert.Equal("job_GLOBEX", theirs.ResourceId);
    }

    [Fact]
    public async Task Another_tenant_cannot_overwrite_a_job_its_result_or_a_batch()
    {
        var jobs = fixture.Db.Jobs;
        var mine = SampleJobs.Completed("acme");
        await jobs.ArchiveAsync(mine);
        await jobs.ArchiveBatchAsync(new ArchivedBatch { Id = "batch_OWNED", Tenant = "acme", Status = "Completed", CreatedAt = mine.CreatedAt, Jobs = [] });

        await Assert.ThrowsAsync<TenantMismatchException>(() => jobs.ArchiveAsync(mine with { Tenant = "globex", Type = "stolen" }));
        await Assert.ThrowsAsync<TenantMismatchException>(() => jobs.StoreResultAsync("globex", mine.Id, SampleJobs.Json("""{"stolen":1}""")));
        await Assert.ThrowsAsync<TenantMismatchException>(() =>
            jobs.ArchiveBatchAsync(new ArchivedBatch { Id = "batch_OWNED", Tenant = "globex", Status = "Failed", CreatedAt = mine.CreatedAt, Jobs = [] }));

        var read = await jobs.GetJobAsync("acme", mine.Id);
        Assert.Equal(mine.Type, read!.Type);
        Assert.Equal(mine.Result!.Value.GetRawText(), read.Result!.Value.GetRawText());
        Assert.Equal("Completed", (await jobs.GetBatchAsync("acme", "batch_OWNED"))!.Batch.Status);
    }
}
