using Microsoft.Extensions.DependencyInjection;
using k8s;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Nexus.Crds.Entities;
using Nexus.Gateway.Jobs;
using Nexus.Tests.Support;

namespace Nexus.Tests.Gateway;

public partial class DispatchAndReadTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private GatewayHarness H => fixture.Harness;

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")]
    private static partial Regex IsoMillis();

    [Fact]
    public async Task Dispatch_answers_the_spec_shape_and_creates_the_AiJob()
    {
        var tenant = GatewayFixture.NewTenant();
        var key = await H.CreateKeyAsync(tenant);
        var response = await H.PostAsync("/api/ai-jobs", key, new
        {
            type = "pricing_recalculate",
            @params = new { skus = new[] { "SKU-001", "SKU-002" }, marketplace = "amazon_us", apply = false },
            priority = "high",
        });

        Assert.Equal(202, response.Status);
        var data = response.Data;
        var id = data.GetProperty("id").GetString()!;
        Assert.Matches("^job_[0-9A-HJKMNP-TV-Z]{26}$", id);
        Assert.Equal("pricing_recalculate", data.GetProperty("type").GetString());
        Assert.Equal("queued", data.GetProperty("status").GetString());
        Assert.Equal("high", data.GetProperty("priority").GetString());
        Assert.False(data.GetProperty("params").GetProperty("apply").GetBoolean());
        var created = data.GetProperty("created_at").GetString()!;
        var estimate = data.GetProperty("estimated_completion_at").GetString()!;
        Assert.Matches(IsoMillis(), created);
        Assert.Matches(IsoMillis(), estimate);
        Assert.True(DateTimeOffset.Parse(estimate, CultureInfo.InvariantCulture) > DateTimeOffset.Parse(created, CultureInfo.InvariantCulture));
        Assert.Equal($"/api/ai-jobs/{id}", response.Message.Headers.Location!.ToString());

        var job = await H.ReadJobAsync(GatewayHarness.NameOf(id));
        Assert.Equal(tenant, job.Spec.Tenant);
        Assert.Equal("high", job.Spec.Priority);
        Assert.Equal(tenant, job.Metadata.Labels[NexusGroup.TenantLabel]);
        Assert.Equal("pricing_recalculate", job.Metadata.Labels[NexusGroup.JobTypeLabel]);
        Assert.Equal("high", job.Metadata.Labels[NexusGroup.PriorityLabel]);
        Assert.Equal(2, job.Spec.Params!.Value.GetProperty("skus").GetArrayLength());
        Assert.Null(job.Status?.Phase);
    }

    [Fact]
    public async Task Get_follows_the_status_the_operator_writes()
    {
        var key = await H.CreateKeyAsync(GatewayFixture.NewTenant());
        var id = await H.DispatchAsync(key);
        var first = await H.GetAsync($"/api/ai-jobs/{id}", key);
        Assert.Equal(200, first.Status);
        Assert.Equal("queued", first.Data.GetProperty("status").GetString());

        var job = await H.ReadJobAsync(GatewayHarness.NameOf(id));
        await H.WriteStatusAsync(job, new AiJobStatus
        {
            Phase = JobPhases.Completed,
            StartedAt = new DateTime(2026, 3, 12, 14, 32, 5, DateTimeKind.Utc),
            CompletedAt = new DateTime(2026, 3, 12, 14, 32, 32, DateTimeKind.Utc),
            Attempts = 1,
            Result = JsonDocument.Parse("""{"processed_count":2,"updated_count":1,"recommendations":[]}""").RootElement.Clone(),
        });

        JsonElement data = default;
        await Wait.UntilAsync(async () =>
        {
            data = (await H.GetAsync($"/api/ai-jobs/{id}", key)).Data;
            return data.GetProperty("status").GetString() == "completed";
        }, "the gateway serves the completed status");
        Assert.Equal("2026-03-12T14:32:05.000Z", data.GetProperty("started_at").GetString());
        Assert.Equal("2026-03-12T14:32:32.000Z", data.GetProperty("completed_at").GetString());
        Assert.Equal(27, data.GetProperty("duration_seconds").GetInt32());
        Assert.Equal(2, data.GetProperty("result").GetProperty("processed_count").GetInt32());
    }

    [Fact]
    public async Task A_failed_job_shows_its_error()
    {
        var key = await H.CreateKeyAsync(GatewayFixture.NewTenant());
        var id = await H.DispatchAsync(key);
        var job = await H.ReadJobAsync(GatewayHarness.NameOf(id));
        await H.WriteStatusAsync(job, new AiJobStatus
        {
            Phase = JobPhases.Failed, Attempts = 3,
            Error = new AiJobError { Code = "WORKER_TIMEOUT", Message = "Worker did not respond within the timeout window", RetryCount = 2 },
        });
        JsonElement data = default;
        await Wait.UntilAsync(async () =>
        {
            data = (await H.GetAsync($"/api/ai-jobs/{id}", key)).Data;
            return data.GetProperty("status").GetString() == "failed";
        }, "the gateway serves the failure");
        Assert.Equal("WORKER_TIMEOUT", data.GetProperty("error").GetProperty("code").GetString());
        Assert.Equal(2, data.GetProperty("error").GetProperty("retry_count").GetInt32());
    }

    [Fact]
    public async Task Long_poll_answers_when_the_job_finishes_or_when_the_wait_is_over()
    {
        var key = await H.CreateKeyAsync(GatewayFixture.NewTenant());
        var id = await H.DispatchAsync(key);

        var timedOut = await H.GetAsync($"/api/ai-jobs/{id}?wait=1", key);
        Assert.Equal("queued", timedOut.Data.GetProperty("status").GetString());

        var started = DateTime.UtcNow;
        var poll = H.GetAsync($"/api/ai-jobs/{id}?wait=60", key);
        var job = await H.ReadJobAsync(GatewayHarness.NameOf(id));
        await H.WriteStatusAsync(job, new AiJobStatus { Phase = JobPhases.Cancelled });
        var answered = await poll.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal("cancelled", answered.Data.GetProperty("status").GetString());
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(30), "long-poll returned when the job became terminal");

        Assert.Equal("INVALID_QUERY", (await H.GetAsync($"/api/ai-jobs/{id}?wait=61", key)).ErrorCode);
        Assert.Equal("INVALID_QUERY", (await H.GetAsync($"/api/ai-jobs/{id}?wait=-1", key)).ErrorCode);
    }

    [Fact]
    public async Task List_pages_newest_first_with_a_cursor_and_filters()
    {
        var key = await H.CreateKeyAsync(GatewayFixture.NewTenant());
        var ids = new List<string>();
        for (var i = 0; i < 7; i++) ids.Add(await H.DispatchAsync(key, type: i % 2 == 0 ? JobTypes.PricingRecalculate : JobTypes.CompetitorScan));

        var seen = new List<string>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = await H.GetAsync("/api/ai-jobs?limit=3" + (cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor)), key);
            Assert.Equal(200, page.Status);
            var pagination = page.Json.GetProperty("pagination");
            Assert.Equal(3, pagination.GetProperty("limit").GetInt32());
            seen.AddRange(page.Data.EnumerateArray().Select(j => j.GetProperty("id").GetString()!));
            cursor = pagination.GetProperty("has_more").GetBoolean() ? pagination.GetProperty("next_cursor").GetString() : null;
            pages++;
        }
        while (cursor is not null);
        Assert.Equal(3, pages);
        // ULIDs grow with time, so newest first is descending id order.
        Assert.Equal(ids.AsEnumerable().Reverse(), seen);

        var scans = await H.GetAsync("/api/ai-jobs?type=competitor_scan&status=queued", key);
        Assert.Equal(3, scans.Data.GetArrayLength());
        Assert.False(scans.Json.GetProperty("pagination").GetProperty("has_more").GetBoolean());
        var none = await H.GetAsync("/api/ai-jobs?status=completed", key);
        Assert.Equal(0, none.Data.GetArrayLength());
        var future = await H.GetAsync($"/api/ai-jobs?start_date={DateTime.UtcNow.AddDays(1):yyyy-MM-dd}", key);
        Assert.Equal(0, future.Data.GetArrayLength());
        var today = await H.GetAsync($"/api/ai-jobs?start_date={DateTime.UtcNow.AddDays(-1):yyyy-MM-dd}&end_date={DateTime.UtcNow.AddDays(1):yyyy-MM-dd}", key);
        Assert.Equal(7, today.Data.GetArrayLength());
    }

    [Fact]
    public async Task A_large_result_stored_in_the_history_database_is_served_from_there_and_the_cache_holds_no_result()
    {
        var tenant = GatewayFixture.NewTenant();
        var key = await H.CreateKeyAsync(tenant);
        var id = await H.DispatchAsync(key);
        var name = GatewayHarness.NameOf(id);
        var recommendations = Enumerable.Range(0, 5000).Select(i => new { sku = $"SKU-{i:D5}", recommended_price = 9.99 + i }).ToArray();
        var resultJson = JsonSerializer.Serialize(new { processed_count = 5000, recommendations });
        // The operator's order: the result first, then the status that points at it.
        await H.History.Jobs.StoreResultAsync(tenant, id, new MemoryStream(System.Text.Encoding.UTF8.GetBytes(resultJson)));
        var job = await H.ReadJobAsync(name);
        await H.WriteStatusAsync(job, new AiJobStatus
        {
            Phase = JobPhases.Completed, StartedAt = DateTime.UtcNow.AddSeconds(-3), CompletedAt = DateTime.UtcNow,
            ResultRef = new AiJobResultRef { Store = AiJobResultRef.PostgreSql, SizeBytes = resultJson.Length },
        });

        await Wait.UntilAsync(async () => (await H.GetAsync($"/api/ai-jobs/{id}", key)).Data.GetProperty("status").GetString() == "completed",
            "the gateway sees the job completed");
        var path = $"/apis/{NexusGroup.Group}/{NexusGroup.Version}/namespaces/{GatewayHarness.Namespace}/{AiJob.Plural}/{name}";
        var readsBefore = H.Kube.Requests.CountByPath("GET", path);
        for (var i = 0; i < 5; i++)
        {
            var data = (await H.GetAsync($"/api/ai-jobs/{id}", key)).Data;
            Assert.Equal(5000, data.GetProperty("result").GetProperty("recommendations").GetArrayLength());
            Assert.Equal("SKU-04999", data.GetProperty("result").GetProperty("recommendations")[4999].GetProperty("sku").GetString());
        }
        Assert.Equal(readsBefore, H.Kube.Requests.CountByPath("GET", path));
    }

    [Fact]
    public async Task The_cache_keeps_no_managed_fields_and_no_results()
    {
        var key = await H.CreateKeyAsync(GatewayFixture.NewTenant());
        var id = await H.DispatchAsync(key);
        var name = GatewayHarness.NameOf(id);
        await H.WriteStatusAsync(await H.ReadJobAsync(name), new AiJobStatus
        {
            Phase = JobPhases.Completed, StartedAt = DateTime.UtcNow.AddSeconds(-1), CompletedAt = DateTime.UtcNow,
            Result = JsonDocument.Parse("""{"processed_count":1}""").RootElement.Clone(),
        });
        var jobs = H.Gateway.Services.GetRequiredService<Nexus.Gateway.Cache.JobCache>();
        await Wait.UntilAsync(() => jobs.TryGet(name, out var c) && c.IsTerminal, "the cache sees the job completed");
        Assert.True(jobs.TryGet(name, out var cached));
        Assert.Null(cached.Job.Status!.Result);
        Assert.Null(cached.Job.Metadata.ManagedFields);
        Assert.NotNull((await H.ReadJobAsync(name)).Status!.Result);
        // Not archived yet: the result is read from the AiJob itself.
        Assert.Equal(1, (await H.GetAsync($"/api/ai-jobs/{id}", key)).Data.GetProperty("result").GetProperty("processed_count").GetInt32());
    }

    [Fact]
    public async Task Polling_a_thousand_times_costs_the_Kubernetes_API_nothing()
    {
        var key = await H.CreateKeyAsync(GatewayFixture.NewTenant());
        var id = await H.DispatchAsync(key);
        var store = H.Gateway.Services.GetRequiredService<Nexus.Gateway.Cache.JobCache>();
        await Wait.UntilAsync(() => store.TryGet(GatewayHarness.NameOf(id), out Nexus.Gateway.Cache.CachedJob _), "the job is cached");

        var before = H.Kube.Requests.Total - H.Kube.Requests.CountByVerb("watch");
        var tasks = Enumerable.Range(0, 10).Select(async _ =>
        {
            for (var i = 0; i < 100; i++)
            {
                var response = await H.GetAsync($"/api/ai-jobs/{id}", key);
                Assert.Equal(200, response.Status);
            }
        });
        await Task.WhenAll(tasks);
        await H.GetAsync("/api/ai-jobs?limit=200", key);
        var after = H.Kube.Requests.Total - H.Kube.Requests.CountByVerb("watch");
        Assert.Equal(before, after);
    }

    [Fact]
    public async Task An_id_that_does_not_exist_or_is_garbage_is_JOB_NOT_FOUND()
    {
        var key = await H.CreateKeyAsync(GatewayFixture.NewTenant());
        var unknown = "job_" + Ulid.NewUlid(DateTimeOffset.UtcNow.AddHours(-1));
        foreach (var id in new[] { unknown, "nonsense_id", "JOB_%20", "job_" + new string('Z', 26) })
        {
            var response = await H.GetAsync($"/api/ai-jobs/{id}", key);
            Assert.Equal(404, response.Status);
            Assert.Equal("JOB_NOT_FOUND", response.ErrorCode);
        }
    }

    [Fact]
    public async Task A_write_through_never_overwrites_newer_state_nor_resurrects_a_deleted_job()
    {
        var key = await H.CreateKeyAsync(GatewayFixture.NewTenant());
        var name = GatewayHarness.NameOf(await H.DispatchAsync(key));
        var jobs = H.Gateway.Services.GetRequiredService<Nexus.Gateway.Cache.JobCache>();
        var store = jobs;
        var stale = await H.ReadJobAsync(name);
        await H.WriteStatusAsync(await H.ReadJobAsync(name), new AiJobStatus { Phase = JobPhases.Running, StartedAt = DateTime.UtcNow });
        await Wait.UntilAsync(() => store.TryGet(name, out var c) && c.Phase == JobPhases.Running, "the running status is cached");

        // A late answer of the gateway's own create carries an older resourceVersion: the cache keeps the newer state.
        jobs.Record(stale);
        Assert.True(store.TryGet(name, out var cached));
        Assert.Equal(JobPhases.Running, cached.Phase);

        await H.DeleteAsOperatorAsync<AiJob>(AiJob.Plural, name);
        await Wait.UntilAsync(() => !store.TryGet(name, out _), "the deletion reaches the cache");
        jobs.Record(stale);
        Assert.False(store.TryGet(name, out _));
        Assert.Null(jobs.Informer.Get(name));
    }

    [Fact]
    public async Task The_cache_recovers_after_its_watch_history_expires()
    {
        var key = await H.CreateKeyAsync(GatewayFixture.NewTenant());
        var jobs = H.Gateway.Services.GetRequiredService<Nexus.Gateway.Cache.JobCache>();
        var lists = jobs.Informer.Relists;
        H.Kube.Faults.CompactHistory();
        H.Kube.Faults.DropAllWatches();
        await Wait.UntilAsync(() => jobs.Informer.Relists > lists, "the job informer re-lists after 410");

        // A job changed behind the gateway's back is seen through the new watch.
        var id = await H.DispatchAsync(key);
        var job = await H.ReadJobAsync(GatewayHarness.NameOf(id));
        await H.WriteStatusAsync(job, new AiJobStatus { Phase = JobPhases.Running, StartedAt = DateTime.UtcNow });
        await Wait.UntilAsync(async () => (await H.GetAsync($"/api/ai-jobs/{id}", key)).Data.GetProperty("status").GetString() == "running",
            "the gateway serves the new status");
    }
}
