using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Nexus.Crds.Entities;
using Nexus.Gateway.Events;
using Nexus.Tests.Support;

namespace Nexus.Tests.Gateway.Events;

/// <summary>The event streams over real HTTP against the real gateway and the API stand-in (the operator's writes played by the harness).</summary>
public sealed class EventStreamTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private GatewayHarness H => fixture.Harness;

    private EventRing Ring => H.Gateway.Services.GetRequiredService<EventRing>();

    /// <summary>Waits until the ring has taken in the job's last change (the feed follows the cache asynchronously).</summary>
    private Task TakenAsync(string id, string phase = JobPhases.Queued) =>
        Wait.UntilAsync(() => Ring.Latest(GatewayHarness.NameOf(id)) is { } c && c.Phase == phase, $"the ring has {id} {phase}");

    [Fact]
    public async Task A_jobs_stream_shows_queued_running_completed_in_order_then_ends()
    {
        var key = await H.CreateKeyAsync(GatewayFixture.NewTenant(), "ai-jobs:read,ai-jobs:write");
        var id = await H.DispatchAsync(key);
        await TakenAsync(id);
        await using var stream = await SseClient.OpenOkAsync(H.Http, $"/api/ai-jobs/{id}/events", key);
        Assert.Equal("no-cache", stream.Response.Headers.CacheControl?.ToString());
        Assert.Equal("no", string.Join(",", stream.Response.Headers.GetValues("X-Accel-Buffering")));

        var first = await stream.NextEventAsync();
        Assert.Equal(3000, first!.Retry);
        Assert.Equal(("job", "queued", id), (first.Event, first.Status, first.JobId));

        var name = GatewayHarness.NameOf(id);
        var started = DateTime.UtcNow;
        await H.WriteStatusAsync(await H.ReadJobAsync(name), new AiJobStatus { Phase = JobPhases.Running, Attempts = 1, StartedAt = started });
        var running = await stream.NextEventAsync();
        Assert.Equal("running", running!.Status);
        await H.WriteStatusAsync(await H.ReadJobAsync(name), new AiJobStatus
        {
            Phase = JobPhases.Completed, Attempts = 1, StartedAt = started, CompletedAt = started.AddSeconds(3),
            Result = JsonDocument.Parse("""{"processed_count":2}""").RootElement.Clone(),
        });
        var completed = await stream.NextEventAsync();
        Assert.Equal("completed", completed!.Status);
        Assert.Equal(2, completed.Json.GetProperty("result").GetProperty("processed_count").GetInt32());
        // The same JSON GET answers in its data.
        Assert.Equal((await H.GetAsync($"/api/ai-jobs/{id}", key)).Data.GetRawText(), completed.Json.GetRawText());
        Assert.Null(await stream.NextAsync());

        var ids = new[] { first.Id!, running.Id!, completed.Id! }.Select(i => StreamPosition.TryParse(i, out var p) ? p : throw new FormatException(i)).ToList();
        Assert.All(ids, p => Assert.Equal(Ring.Epoch, p.Epoch));
        Assert.True(ids[0].Sequence < ids[1].Sequence && ids[1].Sequence < ids[2].Sequence, "ids increase");

        // A reconnect after the terminal view: nothing more (204 stops EventSource's reconnects).
        var (again, refusal) = await SseClient.OpenAsync(H.Http, $"/api/ai-jobs/{id}/events", key, lastEventId: completed.Id);
        Assert.Null(again);
        Assert.Equal(204, refusal!.Status);
        // Without an id: the finished job's view once, then the end.
        await using var late = await SseClient.OpenOkAsync(H.Http, $"/api/ai-jobs/{id}/events", key);
        Assert.Equal("completed", (await late.NextEventAsync())!.Status);
        Assert.Null(await late.NextAsync());
    }

    [Fact]
    public async Task An_archived_jobs_stream_sends_its_view_once_and_ends()
    {
        var key = await H.CreateKeyAsync(GatewayFixture.NewTenant());
        var id = await H.DispatchAsync(key);
        var name = GatewayHarness.NameOf(id);
        await H.WriteStatusAsync(await H.ReadJobAsync(name), new AiJobStatus
        {
            Phase = JobPhases.Failed, Attempts = 3, Error = new AiJobError { Code = "WORKER_TIMEOUT", Message = "no answer", RetryCount = 2 },
        });
        await Wait.UntilAsync(() => Ring.Latest(name) is { Terminal: true }, "the ring has the failure");
        await H.ArchiveAsync(id, delete: true);

        await using var stream = await SseClient.OpenOkAsync(H.Http, $"/api/ai-jobs/{id}/events", key);
        var only = await stream.NextEventAsync();
        Assert.Equal("failed", only!.Status);
        Assert.Equal("WORKER_TIMEOUT", only.Json.GetProperty("error").GetProperty("code").GetString());
        Assert.Null(await stream.NextAsync());
        var (again, refusal) = await SseClient.OpenAsync(H.Http, $"/api/ai-jobs/{id}/events", key, lastEventId: only.Id);
        Assert.Null(again);
        Assert.Equal(204, refusal!.Status);
    }

    [Fact]
    public async Task The_tenant_stream_shows_only_the_tenants_jobs_that_match_its_filters()
    {
        var tenant = GatewayFixture.NewTenant();
        var key = await H.CreateKeyAsync(tenant);
        var other = await H.CreateKeyAsync(GatewayFixture.NewTenant());
        await using var stream = await SseClient.OpenOkAsync(H.Http, "/api/ai-jobs/events?type=competitor_scan", key);
        var opening = await stream.NextAsync();
        Assert.True(opening!.Id is not null && opening.Event is null, "the stream opens with its starting id");

        var pricing = await H.DispatchAsync(key);
        var othersScan = await H.DispatchAsync(other, type: JobTypes.CompetitorScan);
        var scan = await H.DispatchAsync(key, type: JobTypes.CompetitorScan);
        await H.WriteStatusAsync(await H.ReadJobAsync(GatewayHarness.NameOf(othersScan)), new AiJobStatus { Phase = JobPhases.Running, Attempts = 1 });
        await H.WriteStatusAsync(await H.ReadJobAsync(GatewayHarness.NameOf(pricing)), new AiJobStatus { Phase = JobPhases.Running, Attempts = 1 });
        await H.WriteStatusAsync(await H.ReadJobAsync(GatewayHarness.NameOf(scan)), new AiJobStatus { Phase = JobPhases.Running, Attempts = 1 });
        var last = await H.DispatchAsync(key, type: JobTypes.CompetitorScan);

        var seen = await stream.EventsUntilAsync(m => m.JobId == last);
        Assert.Equal([(scan, "queued"), (scan, "running"), (last, "queued")], seen.Select(m => (m.JobId!, m.Status!)).ToList());

        // The other tenant's stream never carries this tenant's jobs either.
        await using var theirs = await SseClient.OpenOkAsync(H.Http, "/api/ai-jobs/events", other);
        await theirs.NextAsync();
        var mine = await H.DispatchAsync(key, type: JobTypes.CompetitorScan);
        var theirLast = await H.DispatchAsync(other);
        var theirSeen = await theirs.EventsUntilAsync(m => m.JobId == theirLast);
        Assert.DoesNotContain(theirSeen, m => m.JobId == mine);
        Assert.Single(theirSeen);
    }

    [Fact]
    public async Task A_metadata_filter_streams_only_the_jobs_whose_metadata_has_every_pair()
    {
        var key = await H.CreateKeyAsync(GatewayFixture.NewTenant());
        await using var stream = await SseClient.OpenOkAsync(H.Http, "/api/ai-jobs/events?metadata.campaign=spring&metadata[store]=eu", key);
        await stream.NextAsync();

        async Task<string> DispatchWith(object metadata)
        {
            var response = await H.PostAsync("/api/ai-jobs", key, new
            {
                type = JobTypes.CompetitorScan, @params = new { skus = new[] { "SKU-001" }, marketplace = "amazon_us" }, metadata,
            });
            Assert.True(response.Status == 202, response.Text);
            return response.Data.GetProperty("id").GetString()!;
        }
        var onlyOne = await DispatchWith(new { campaign = "spring" });
        var both = await DispatchWith(new { campaign = "spring", store = "eu", extra = "x" });
        var otherValue = await DispatchWith(new { campaign = "autumn", store = "eu" });
        await H.DispatchAsync(key);
        await H.WriteStatusAsync(await H.ReadJobAsync(GatewayHarness.NameOf(otherValue)), new AiJobStatus { Phase = JobPhases.Running, Attempts = 1 });
        await H.WriteStatusAsync(await H.ReadJobAsync(GatewayHarness.NameOf(both)), new AiJobStatus { Phase = JobPhases.Running, Attempts = 1 });
        var last = await DispatchWith(new { store = "eu", campaign = "spring" });

        var seen = await stream.EventsUntilAsync(m => m.JobId == last);
        Assert.Equal([(both, "queued"), (both, "running"), (last, "queued")], seen.Select(m => (m.JobId!, m.Status!)).ToList());
        Assert.DoesNotContain(seen, m => m.JobId == onlyOne);
    }

    [Fact]
    public async Task Archival_and_deletion_send_nothing_after_the_terminal_view()
    {
        var key = await H.CreateKeyAsync(GatewayFixture.NewTenant());
        var id = await H.DispatchAsync(key);
        await TakenAsync(id);
        await using var stream = await SseClient.OpenOkAsync(H.Http, "/api/ai-jobs/events", key);
        await stream.NextAsync();
        await H.WriteStatusAsync(await H.ReadJobAsync(GatewayHarness.NameOf(id)), new AiJobStatus { Phase = JobPhases.Cancelled, Attempts = 0 });
        await H.ArchiveAsync(id, delete: true); // status.archivedAt, then the AiJob deleted
        var sentinel = await H.DispatchAsync(key);

        var seen = await stream.EventsUntilAsync(m => m.JobId == sentinel);
        Assert.Equal([(id, "cancelled"), (sentinel, "queued")], seen.Select(m => (m.JobId!, m.Status!)).ToList());
    }

    [Fact]
    public async Task A_status_filter_shows_a_job_leaving_it()
    {
        var key = await H.CreateKeyAsync(GatewayFixture.NewTenant());
        var id = await H.DispatchAsync(key);
        var name = GatewayHarness.NameOf(id);
        await using var stream = await SseClient.OpenOkAsync(H.Http, "/api/ai-jobs/events?status=running", key);
        await stream.NextAsync();
        await H.WriteStatusAsync(await H.ReadJobAsync(name), new AiJobStatus { Phase = JobPhases.Running, Attempts = 1 });
        await H.WriteStatusAsync(await H.ReadJobAsync(name), new AiJobStatus { Phase = JobPhases.Failed, Attempts = 1, Error = new AiJobError { Code = "X", Message = "x" } });
        var seen = await stream.EventsUntilAsync(m => m.Status == "failed");
        Assert.Equal(["running", "failed"], seen.Select(m => m.Status!).ToList());
    }

    [Fact]
    public async Task Reconnecting_with_Last_Event_ID_gets_exactly_the_missed_events()
    {
        var key = await H.CreateKeyAsync(GatewayFixture.NewTenant());
        string lastId;
        var first = "";
        await using (var stream = await SseClient.OpenOkAsync(H.Http, "/api/ai-jobs/events", key))
        {
            await stream.NextAsync();
            first = await H.DispatchAsync(key);
            lastId = (await stream.EventsUntilAsync(m => m.JobId == first))[^1].Id!;
        }
        var missed = new List<string>();
        for (var i = 0; i < 3; i++) missed.Add(await H.DispatchAsync(key));
        await H.WriteStatusAsync(await H.ReadJobAsync(GatewayHarness.NameOf(first)), new AiJobStatus { Phase = JobPhases.Running, Attempts = 1 });
        await Wait.UntilAsync(() => Ring.Latest(GatewayHarness.NameOf(first)) is { Phase: JobPhases.Running }, "the ring has every missed change");

        var expected = missed.Select(j => (j, "queued")).Append((first, "running")).ToList();
        // The header, then the query parameter for clients that cannot set headers.
        foreach (var (path, header) in new[] { ("/api/ai-jobs/events", lastId), ($"/api/ai-jobs/events?last_event_id={lastId}", null) })
        {
            await using var resumed = await SseClient.OpenOkAsync(H.Http, path, key, lastEventId: header);
            var sentinel = await H.DispatchAsync(key);
            var seen = await resumed.EventsUntilAsync(m => m.JobId == sentinel);
            Assert.Equal(expected.Append((sentinel, "queued")).ToList(), seen.Select(m => (m.JobId!, m.Status!)).ToList());
            expected.Add((sentinel, "queued"));
        }

        // The job's own stream resumes the same way: only its changes after the id.
        await using var job = await SseClient.OpenOkAsync(H.Http, $"/api/ai-jobs/{first}/events", key, lastEventId: lastId);
        Assert.Equal("running", (await job.NextEventAsync())!.Status);
    }

    [Fact]
    public async Task An_id_of_another_epoch_or_from_the_future_gets_reset()
    {
        var key = await H.CreateKeyAsync(GatewayFixture.NewTenant());
        foreach (var (id, reason) in new[] { ("0badc0de-5", ResetReasons.UnknownEpoch), ($"{Ring.Epoch}-{Ring.Head + 1000}", ResetReasons.UnknownEpoch) })
        {
            await using var stream = await SseClient.OpenOkAsync(H.Http, "/api/ai-jobs/events", key, lastEventId: id);
            var reset = await stream.NextEventAsync();
            Assert.Equal("reset", reset!.Event);
            Assert.Equal(reason, reset.Json.GetProperty("reason").GetString());
            Assert.True(StreamPosition.TryParse(reset.Id, out var here) && here.Epoch == Ring.Epoch, "the reset carries an id to go on from");
            // The stream goes on from here after the reset.
            var next = await H.DispatchAsync(key);
            Assert.Equal(next, (await stream.NextEventAsync())!.JobId);
        }
        // A job's stream after a reset starts over with the job's current view.
        var job = await H.DispatchAsync(key);
        await using var jobStream = await SseClient.OpenOkAsync(H.Http, $"/api/ai-jobs/{job}/events", key, lastEventId: "0badc0de-5");
        Assert.Equal("reset", (await jobStream.NextEventAsync())!.Event);
        var view = await jobStream.NextEventAsync();
        Assert.Equal(("queued", job), (view!.Status, view.JobId));
    }

    [Fact]
    public async Task Bad_ids_and_filters_are_refused_in_the_error_envelope()
    {
        var key = await H.CreateKeyAsync(GatewayFixture.NewTenant());
        var id = await H.DispatchAsync(key);
        foreach (var (path, lastId, status, code) in new[]
                 {
                     ("/api/ai-jobs/events", "not-an-id!", 400, "INVALID_LAST_EVENT_ID"),
                     ("/api/ai-jobs/events?last_event_id=abc", null, 400, "INVALID_LAST_EVENT_ID"),
                     ($"/api/ai-jobs/{id}/events", "12", 400, "INVALID_LAST_EVENT_ID"),
                     ("/api/ai-jobs/events?status=sleeping", null, 400, "INVALID_QUERY"),
                     ("/api/ai-jobs/events?start_date=yesterday", null, 400, "INVALID_QUERY"),
                     ("/api/ai-jobs/events?limit=5", null, 400, "INVALID_QUERY"),
                     ("/api/ai-jobs/events?metadata.bad%20key=1", null, 400, "INVALID_QUERY"),
                     ("/api/ai-jobs/events?type=teleport", null, 422, "INVALID_JOB_TYPE"),
                     ($"/api/ai-jobs/{id}/events?wait=5", null, 400, "INVALID_QUERY"),
                     ("/api/ai-jobs/job_01HXK9MZPQ3B8C7D2E5F6G/events", null, 404, "JOB_NOT_FOUND"),
                 })
        {
            var (stream, refusal) = await SseClient.OpenAsync(H.Http, path, key, lastEventId: lastId);
            Assert.Null(stream);
            Assert.True(refusal!.Status == status && refusal.ErrorCode == code, $"{path} [{lastId}]: {refusal.Status} {refusal.Text}");
        }
        var (none, unauthenticated) = await SseClient.OpenAsync(H.Http, "/api/ai-jobs/events", null);
        Assert.Null(none);
        Assert.Equal((401, "UNAUTHENTICATED"), (unauthenticated!.Status, unauthenticated.ErrorCode));
    }

    [Fact]
    public async Task A_read_key_streams_and_another_tenants_key_cannot_see_the_job()
    {
        var tenant = GatewayFixture.NewTenant();
        var writer = await H.CreateKeyAsync(tenant);
        var reader = await H.CreateKeyAsync(tenant, "ai-jobs:read");
        var stranger = await H.CreateKeyAsync(GatewayFixture.NewTenant(), "ai-jobs:read");
        var id = await H.DispatchAsync(writer);

        await using var stream = await SseClient.OpenOkAsync(H.Http, $"/api/ai-jobs/{id}/events", reader);
        Assert.Equal(id, (await stream.NextEventAsync())!.JobId);
        var (none, refusal) = await SseClient.OpenAsync(H.Http, $"/api/ai-jobs/{id}/events", stranger);
        Assert.Null(none);
        Assert.Equal((404, "JOB_NOT_FOUND"), (refusal!.Status, refusal.ErrorCode));
        var (noScope, forbidden) = await SseClient.OpenAsync(H.Http, "/api/ai-jobs/events", await H.CreateKeyAsync(tenant, "ai-jobs:write"));
        Assert.Null(noScope);
        Assert.Equal(403, forbidden!.Status);
    }
}
