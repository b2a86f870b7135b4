using Microsoft.Extensions.DependencyInjection;
using Nexus.Gateway.Events;
using Nexus.Tests.Support;

namespace Nexus.Tests.Gateway.Events;

/// <summary>A gateway with a small ring, a short heartbeat and 3 streams per key: expired ids, idle streams, the streams cap, shutdown.</summary>
public sealed class EventStreamLimitsTests : IAsyncLifetime
{
    private GatewayHarness _h = null!;

    public async Task InitializeAsync() =>
        _h = await GatewayHarness.StartAsync(o => o with { EventRingSize = 16, EventHeartbeatSeconds = 1, EventRetryMilliseconds = 1500, EventMaxResultKb = 1, EventMaxStreamsPerKey = 3 });

    public async Task DisposeAsync() => await _h.DisposeAsync();

    private EventRing Ring => _h.Gateway.Services.GetRequiredService<EventRing>();

    [Fact]
    public async Task An_id_the_ring_no_longer_holds_gets_reset_then_the_stream_goes_on()
    {
        var key = await _h.CreateKeyAsync(GatewayFixture.NewTenant());
        string old;
        await using (var stream = await SseClient.OpenOkAsync(_h.Http, "/api/ai-jobs/events", key))
        {
            var opening = await stream.NextAsync();
            Assert.Equal(1500, opening!.Retry);
            var id = await _h.DispatchAsync(key);
            old = (await stream.EventsUntilAsync(m => m.JobId == id))[^1].Id!;
        }
        Assert.True(StreamPosition.TryParse(old, out var position));
        for (var i = 0; i < Ring.Capacity + 1; i++) await _h.DispatchAsync(key);
        await Wait.UntilAsync(() => !Ring.Holds(position.Sequence), "the ring overwrote the id");

        await using var resumed = await SseClient.OpenOkAsync(_h.Http, "/api/ai-jobs/events", key, lastEventId: old);
        var reset = await resumed.NextEventAsync();
        Assert.Equal("reset", reset!.Event);
        Assert.Equal(ResetReasons.Expired, reset.Json.GetProperty("reason").GetString());
        var next = await _h.DispatchAsync(key);
        Assert.Equal(next, (await resumed.NextEventAsync())!.JobId);
    }

    [Fact]
    public async Task A_key_holding_its_limit_of_streams_gets_429_until_one_ends_and_other_keys_are_not_held_back()
    {
        var key = await _h.CreateKeyAsync(GatewayFixture.NewTenant());
        var job = await _h.DispatchAsync(key);
        var open = new List<SseClient>
        {
            await SseClient.OpenOkAsync(_h.Http, "/api/ai-jobs/events", key),
            await SseClient.OpenOkAsync(_h.Http, "/api/ai-jobs/events?type=pricing_recalculate", key),
            await SseClient.OpenOkAsync(_h.Http, $"/api/ai-jobs/{job}/events", key),
        };
        try
        {
            foreach (var path in new[] { "/api/ai-jobs/events", $"/api/ai-jobs/{job}/events" })
            {
                var (none, refusal) = await SseClient.OpenAsync(_h.Http, path, key);
                Assert.Null(none);
                Assert.True(refusal!.Status == 429 && refusal.ErrorCode == "TOO_MANY_STREAMS", $"{path}: {refusal.Status} {refusal.Text}");
                Assert.Equal("5", refusal.Message.Headers.GetValues("Retry-After").Single());
            }
            // What would be refused anyway is refused for its own reason, and holds no slot.
            var (_, missing) = await SseClient.OpenAsync(_h.Http, "/api/ai-jobs/job_01HXK9MZPQ3B8C7D2E5F6G/events", key);
            Assert.Equal((404, "JOB_NOT_FOUND"), (missing!.Status, missing.ErrorCode));
            // Another key is not held back by this one's streams.
            await using (var others = await SseClient.OpenOkAsync(_h.Http, "/api/ai-jobs/events", await _h.CreateKeyAsync(GatewayFixture.NewTenant())))
                Assert.NotNull(await others.NextAsync());

            // A stream that ends gives its slot back.
            await open[0].DisposeAsync();
            open.RemoveAt(0);
            var again = await Wait.ForAsync(async () => (await SseClient.OpenAsync(_h.Http, "/api/ai-jobs/events", key)).Stream,
                "a stream once one of the key's three ended", TimeSpan.FromSeconds(20));
            open.Add(again);
            Assert.NotNull(await again.NextAsync());
        }
        finally
        {
            foreach (var stream in open) await stream.DisposeAsync();
        }
    }

    [Fact]
    public async Task An_idle_stream_gets_heartbeats_that_move_its_resume_point_along()
    {
        var key = await _h.CreateKeyAsync(GatewayFixture.NewTenant());
        var busy = await _h.CreateKeyAsync(GatewayFixture.NewTenant());
        await using var stream = await SseClient.OpenOkAsync(_h.Http, "/api/ai-jobs/events", key);
        var opening = await stream.NextAsync();
        SseMessage? beat = null;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (beat is null && DateTime.UtcNow < deadline)
        {
            var message = await stream.NextAsync(TimeSpan.FromSeconds(10));
            if (message!.Comments.Contains("heartbeat")) beat = message;
        }
        Assert.NotNull(beat);
        Assert.Null(beat!.Event);

        // Another tenant's changes are not shown, but the next heartbeat carries the position past them.
        await _h.DispatchAsync(busy);
        var head = Ring.Head;
        await Wait.UntilAsync(() => Ring.Head >= head, "the ring took the change");
        SseMessage? moved = null;
        while (moved is null && DateTime.UtcNow < deadline + TimeSpan.FromSeconds(10))
        {
            var message = await stream.NextAsync(TimeSpan.FromSeconds(10));
            Assert.Null(message!.Event);
            if (message.Id is { } id && StreamPosition.TryParse(id, out var p) && p.Sequence >= head && id != opening!.Id) moved = message;
        }
        Assert.NotNull(moved);
        Assert.Contains("heartbeat", moved!.Comments);
    }

    [Fact]
    public async Task A_result_over_the_events_limit_is_left_out_of_the_event_and_a_small_one_is_in()
    {
        var key = await _h.CreateKeyAsync(GatewayFixture.NewTenant());
        foreach (var (size, included) in new[] { (100, true), (4000, false) })
        {
            var id = await _h.DispatchAsync(key);
            await using var stream = await SseClient.OpenOkAsync(_h.Http, $"/api/ai-jobs/{id}/events", key);
            Assert.Equal("queued", (await stream.NextEventAsync())!.Status);
            await _h.WriteStatusAsync(await _h.ReadJobAsync(GatewayHarness.NameOf(id)), new Nexus.Crds.Entities.AiJobStatus
            {
                Phase = Nexus.Crds.Entities.JobPhases.Completed, Attempts = 1, StartedAt = DateTime.UtcNow, CompletedAt = DateTime.UtcNow,
                Result = System.Text.Json.JsonSerializer.SerializeToElement(new { note = new string('x', size) }),
            });
            var done = await stream.NextEventAsync();
            Assert.Equal("completed", done!.Status);
            Assert.Equal(included, done.Json.TryGetProperty("result", out _));
            // GET has it either way.
            Assert.Equal(size, (await _h.GetAsync($"/api/ai-jobs/{id}", key)).Data.GetProperty("result").GetProperty("note").GetString()!.Length);
        }
    }

    [Fact]
    public async Task Streams_end_when_the_gateway_stops()
    {
        var key = await _h.CreateKeyAsync(GatewayFixture.NewTenant());
        var id = await _h.DispatchAsync(key);
        var tenantStream = await SseClient.OpenOkAsync(_h.Http, "/api/ai-jobs/events", key);
        var jobStream = await SseClient.OpenOkAsync(_h.Http, $"/api/ai-jobs/{id}/events", key);
        await tenantStream.NextAsync();
        await jobStream.NextEventAsync();
        // A stream left open would hold the stop for the host's whole shutdown timeout and then be cut off (an
        // error on the client's side); ended cleanly, each reads to its end.
        await _h.Gateway.App.StopAsync();
        foreach (var stream in new[] { tenantStream, jobStream })
        {
            SseMessage? message;
            do message = await stream.NextAsync(TimeSpan.FromSeconds(10));
            while (message is not null && message.Event is null);
            Assert.Null(message);
            await stream.DisposeAsync();
        }
    }
}
