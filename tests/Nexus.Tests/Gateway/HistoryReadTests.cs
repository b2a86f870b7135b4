using System.Text.Json;
using k8s;
using Microsoft.Extensions.DependencyInjection;
using Nexus.Crds.Entities;
using Nexus.Shared.History;
using Nexus.Tests.History;
using Nexus.Tests.Support;

namespace Nexus.Tests.Gateway;

/// <summary>
/// Finished jobs leave etcd for the history database: the gateway reads both, and a job, a list or a batch looks the
/// same wherever it is read from. The harness plays the operator: archive, set status.archivedAt, delete.
/// </summary>
public sealed class HistoryReadTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private GatewayHarness H => fixture.Harness;

    private async Task FinishAsync(string id, AiJobStatus status) => await H.WriteStatusAsync(await H.ReadJobAsync(GatewayHarness.NameOf(id)), status);

    private static AiJobStatus CompletedStatus() => new()
    {
        Phase = JobPhases.Completed, Attempts = 1,
        // Sub-millisecond parts: the database keeps microseconds, the view milliseconds; both must agree.
        StartedAt = new DateTime(2026, 3, 12, 14, 32, 5, DateTimeKind.Utc).AddTicks(1_234_567),
        CompletedAt = new DateTime(2026, 3, 12, 14, 32, 32, DateTimeKind.Utc).AddTicks(9_999_999),
        EstimatedCompletionAt = new DateTime(2026, 3, 12, 14, 32, 31, DateTimeKind.Utc),
        Worker = new AiJobWorkerRef { Pool = "pricing", Instance = "w-1" },
        Result = SampleJobs.Json("""{"processed_count":2,"updated_count":1,"recommendations":[{"sku":"SKU-001","price":13.49,"note":"ünïcode <ok> \"q\""}]}"""),
    };

    private async Task<string> ViewAsync(string id, string key, string expectedStatus)
    {
        string text = "";
        await Wait.UntilAsync(async () =>
        {
            var r = await H.GetAsync($"/api/ai-jobs/{id}", key);
            text = r.Text;
            return r.Status == 200 && r.Data.GetProperty("status").GetString() == expectedStatus;
        }, $"the gateway serves {id} {expectedStatus}");
        return text;
    }

    [Fact]
    public async Task A_jobs_view_is_byte_identical_live_archived_and_after_its_AiJob_is_deleted()
    {
        var tenant = GatewayFixture.NewTenant();
        var key = await H.CreateKeyAsync(tenant);
        var completed = await H.DispatchAsync(key, priority: "high");
        var failed = await H.DispatchAsync(key, type: JobTypes.CompetitorScan);
        await FinishAsync(completed, CompletedStatus());
        await FinishAsync(failed, new AiJobStatus
        {
            Phase = JobPhases.Failed, Attempts = 3, StartedAt = DateTime.UtcNow.AddSeconds(-2), CompletedAt = DateTime.UtcNow,
            Error = new AiJobError { Code = "WORKER_TIMEOUT", Message = "Worker did not respond within the timeout window", RetryCount = 2 },
        });

        foreach (var (id, status) in new[] { (completed, "completed"), (failed, "failed") })
        {
            var live = await ViewAsync(id, key, status);
            await H.ArchiveAsync(id);
            var archivedStillInEtcd = await ViewAsync(id, key, status);
            await H.ArchiveAsync(id, delete: true);
            var archivedOnly = await ViewAsync(id, key, status);

            Assert.Equal(live, archivedStillInEtcd);
            Assert.Equal(live, archivedOnly);
            Assert.NotNull(await H.History.Jobs.GetJobAsync(tenant, id));
        }
        var done = JsonDocument.Parse(await ViewAsync(completed, key, "completed")).RootElement.GetProperty("data");
        Assert.Equal("ünïcode <ok> \"q\"", done.GetProperty("result").GetProperty("recommendations")[0].GetProperty("note").GetString());
        Assert.Equal("2026-03-12T14:32:05.123Z", done.GetProperty("started_at").GetString());
        Assert.Equal("2026-03-12T14:32:32.999Z", done.GetProperty("completed_at").GetString());
        Assert.Equal(28, done.GetProperty("duration_seconds").GetInt32());
    }

    [Fact]
    public async Task A_list_pages_through_live_and_archived_jobs_without_repeating_or_skipping_while_jobs_move()
    {
        var key = await H.CreateKeyAsync(GatewayFixture.NewTenant());
        var ids = new List<string>();
        for (var i = 0; i < 14; i++) ids.Add(await H.DispatchAsync(key, type: i % 2 == 0 ? JobTypes.PricingRecalculate : JobTypes.CompetitorScan));
        // Half are finished; a few of those already archived or gone from etcd before the first page.
        for (var i = 0; i < 14; i += 2) await FinishAsync(ids[i], CompletedStatus());
        await Wait.UntilAsync(async () => (await H.GetAsync("/api/ai-jobs?status=completed&limit=200", key)).Data.GetArrayLength() == 7, "finished jobs are cached");
        await H.ArchiveAsync(ids[12], delete: true);
        await H.ArchiveAsync(ids[2]);

        var expected = ids.AsEnumerable().Reverse().ToList();
        var toMove = new Queue<string>(new[] { 10, 0, 8, 4, 6 }.Select(i => ids[i]));
        var seen = new List<string>();
        string? cursor = null;
        do
        {
            var page = await H.GetAsync("/api/ai-jobs?limit=3" + (cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor)), key);
            Assert.Equal(200, page.Status);
            foreach (var job in page.Data.EnumerateArray())
            {
                seen.Add(job.GetProperty("id").GetString()!);
                Assert.False(job.TryGetProperty("result", out _), "list items carry no result");
            }
            var pagination = page.Json.GetProperty("pagination");
            cursor = pagination.GetProperty("has_more").GetBoolean() ? pagination.GetProperty("next_cursor").GetString() : null;
            // Between pages, finished jobs move: archived and deleted, some already listed, some not yet.
            if (toMove.TryDequeue(out var moving)) await H.ArchiveAsync(moving, delete: true);
            if (toMove.TryDequeue(out moving)) await H.ArchiveAsync(moving);
        }
        while (cursor is not null);
        Assert.Equal(expected, seen);

        // Filters apply on both sides: 7 finished pricing jobs, wherever each of them is now.
        var completedPricing = await H.GetAsync("/api/ai-jobs?type=pricing_recalculate&status=completed&limit=200", key);
        Assert.Equal(ids.Where((_, i) => i % 2 == 0).Reverse(), completedPricing.Data.EnumerateArray().Select(j => j.GetProperty("id").GetString()));
        var queuedScans = await H.GetAsync("/api/ai-jobs?type=competitor_scan&status=queued", key);
        Assert.Equal(7, queuedScans.Data.GetArrayLength());
    }

    [Fact]
    public async Task Date_filters_and_keyset_paging_reach_old_archived_jobs()
    {
        var tenant = GatewayFixture.NewTenant();
        var key = await H.CreateKeyAsync(tenant);
        var now = DateTimeOffset.UtcNow;
        var old = Enumerable.Range(0, 5).Select(i => SampleJobs.Completed(tenant, new DateTimeOffset(2025, 6, 10 + i, 12, 0, 0, TimeSpan.Zero))).ToList();
        await H.History.Jobs.ArchiveAsync(old);
        var live = await H.DispatchAsync(key);

        var june12to13 = await H.GetAsync("/api/ai-jobs?start_date=2025-06-12&end_date=2025-06-13", key);
        Assert.Equal(new[] { old[3].Id, old[2].Id }, june12to13.Data.EnumerateArray().Select(j => j.GetProperty("id").GetString()));
        var all = new List<string>();
        string? cursor = null;
        do
        {
            var page = await H.GetAsync("/api/ai-jobs?limit=2" + (cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor)), key);
            all.AddRange(page.Data.EnumerateArray().Select(j => j.GetProperty("id").GetString()!));
            var pagination = page.Json.GetProperty("pagination");
            cursor = pagination.GetProperty("has_more").GetBoolean() ? pagination.GetProperty("next_cursor").GetString() : null;
        }
        while (cursor is not null);
        Assert.Equal(new[] { live }.Concat(old.AsEnumerable().Reverse().Select(j => j.Id)), all);
        Assert.Empty((await H.GetAsync($"/api/ai-jobs?start_date={now.AddDays(1):yyyy-MM-dd}", key)).Data.EnumerateArray());
        Assert.Equal(5, (await H.GetAsync("/api/ai-jobs?status=completed&end_date=2025-12-31", key)).Data.GetArrayLength());
    }

    [Fact]
    public async Task A_batch_looks_the_same_live_and_archived()
    {
        var key = await H.CreateKeyAsync(GatewayFixture.NewTenant());
        var dispatched = await H.PostAsync("/api/ai-jobs/batch", key, new { jobs = new[] { GatewayHarness.PricingBody(), GatewayHarness.PricingBody(type: JobTypes.CompetitorScan) }, sequential = true });
        Assert.Equal(202, dispatched.Status);
        var batchId = dispatched.Data.GetProperty("batch_id").GetString()!;
        var childIds = dispatched.Data.GetProperty("jobs").EnumerateArray().Select(j => j.GetProperty("id").GetString()!).ToList();
        foreach (var child in childIds)
        {
            await Wait.UntilAsync(async () => (await H.GetAsync($"/api/ai-jobs/{child}", key)).Status == 200, "the child exists");
            await FinishAsync(child, CompletedStatus());
        }
        string live = "";
        await Wait.UntilAsync(async () =>
        {
            var r = await H.GetAsync($"/api/ai-jobs/batch/{batchId}", key);
            live = r.Text;
            return r.Data.GetProperty("status").GetString() == "completed";
        }, "the batch is completed");

        foreach (var child in childIds) await H.ArchiveAsync(child, delete: true);
        var afterChildrenLeft = await H.GetAsync($"/api/ai-jobs/batch/{batchId}", key);
        Assert.Equal(live, afterChildrenLeft.Text);

        ResourceIds.TryBatchNameFromId(batchId, out var batchName);
        var batch = await H.Client.CustomObjects.GetNamespacedCustomObjectAsync<AiJobBatch>(NexusGroup.Group, NexusGroup.Version,
            GatewayHarness.Namespace, AiJobBatch.Plural, batchName);
        batch.Status ??= new AiJobBatchStatus();
        batch.Status.Phase = JobPhases.Completed;
        batch.Status.CompletedAt = DateTime.UtcNow;
        await H.History.Jobs.ArchiveBatchAsync(ArchivedBatch.FromAiJobBatch(batch, BatchChildren.Name));
        await H.DeleteAsOperatorAsync<AiJobBatch>(AiJobBatch.Plural, batchName);
        string archived = "";
        await Wait.UntilAsync(async () =>
        {
            archived = (await H.GetAsync($"/api/ai-jobs/batch/{batchId}", key)).Text;
            return H.Gateway.Services.GetRequiredService<Nexus.Gateway.Cache.BatchCache>().Get(batchName) is null;
        }, "the batch is gone from the cache");
        Assert.Equal(live, archived);
    }

    [Fact]
    public async Task No_path_returns_another_tenants_archived_or_live_job()
    {
        var mine = GatewayFixture.NewTenant();
        var theirs = GatewayFixture.NewTenant();
        var myKey = await H.CreateKeyAsync(mine);
        var theirKey = await H.CreateKeyAsync(theirs);
        var both = await H.CreateKeyAsync($"{mine},{theirs}");

        var gone = await H.DispatchAsync(myKey);
        await FinishAsync(gone, CompletedStatus());
        await ViewAsync(gone, myKey, "completed");
        await H.ArchiveAsync(gone, delete: true);
        var archivedInEtcd = await H.DispatchAsync(myKey);
        await FinishAsync(archivedInEtcd, CompletedStatus());
        await ViewAsync(archivedInEtcd, myKey, "completed");
        await H.ArchiveAsync(archivedInEtcd);
        var live = await H.DispatchAsync(myKey);
        var batch = (await H.PostAsync("/api/ai-jobs/batch", myKey, new { jobs = new[] { GatewayHarness.PricingBody() } })).Data.GetProperty("batch_id").GetString()!;
        var archivedBatch = new ArchivedBatch
        {
            Id = "batch_" + Ulid.NewUlid(), Tenant = mine, Status = JobPhases.Completed, CreatedAt = DateTimeOffset.UtcNow, CompletedAt = DateTimeOffset.UtcNow,
            Jobs = [new ArchivedBatchItem(0, gone, JobTypes.PricingRecalculate, Priorities.Normal)],
        };
        await H.History.Jobs.ArchiveBatchAsync(archivedBatch);

        foreach (var (key, tenant) in new[] { (theirKey, (string?)null), (both, theirs) })
        {
            foreach (var id in new[] { gone, archivedInEtcd, live })
            {
                Assert.Equal("JOB_NOT_FOUND", (await H.GetAsync($"/api/ai-jobs/{id}", key, tenant)).ErrorCode);
                Assert.Equal("JOB_NOT_FOUND", (await H.DeleteAsync($"/api/ai-jobs/{id}", key, tenant)).ErrorCode);
            }
            foreach (var id in new[] { batch, archivedBatch.Id })
                Assert.Equal("BATCH_NOT_FOUND", (await H.GetAsync($"/api/ai-jobs/batch/{id}", key, tenant)).ErrorCode);
            foreach (var filter in new[] { "", "?status=completed", "?type=pricing_recalculate", "?start_date=2000-01-01" })
                Assert.Equal(0, (await H.GetAsync("/api/ai-jobs" + filter, key, tenant)).Data.GetArrayLength());
        }
        // The owner sees them all.
        Assert.Equal(200, (await H.GetAsync($"/api/ai-jobs/{gone}", both, mine)).Status);
        Assert.Equal(200, (await H.GetAsync($"/api/ai-jobs/batch/{archivedBatch.Id}", both, mine)).Status);
        Assert.Equal(4, (await H.GetAsync("/api/ai-jobs", both, mine)).Data.GetArrayLength());
    }

    [Fact]
    public async Task An_archived_job_is_not_cancellable_and_an_archived_cancelled_one_stays_cancelled()
    {
        var key = await H.CreateKeyAsync(GatewayFixture.NewTenant());
        var done = await H.DispatchAsync(key);
        await FinishAsync(done, CompletedStatus());
        await ViewAsync(done, key, "completed");
        await H.ArchiveAsync(done, delete: true);
        var cancelled = await H.DispatchAsync(key);
        await FinishAsync(cancelled, new AiJobStatus { Phase = JobPhases.Cancelled, CompletedAt = DateTime.UtcNow });
        await ViewAsync(cancelled, key, "cancelled");
        await H.ArchiveAsync(cancelled, delete: true);

        var refused = await H.DeleteAsync($"/api/ai-jobs/{done}", key);
        Assert.Equal(409, refused.Status);
        Assert.Equal("JOB_NOT_CANCELLABLE", refused.ErrorCode);
        Assert.Equal(204, (await H.DeleteAsync($"/api/ai-jobs/{cancelled}", key)).Status);
    }
}
