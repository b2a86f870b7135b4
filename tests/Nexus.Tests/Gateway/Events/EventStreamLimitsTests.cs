using Microsoft.Extensions.DependencyInjection;
using Nexus.Gateway.Events;
using Nexus.Tests.Support;

namespace Nexus.Tests.Gateway.Events;

/// <summary>A gateway with a small ring and a short heartbeat: expired ids, idle streams, shutdown.</summary>
public sealed class EventStreamLimitsTests : IAsyncLifetime
{
    private GatewayHarness _h = null!;

    public async Task InitializeAsync() =>
        _h = await GatewayHarness.StartAsync(o => o with { EventRingSize = 16, EventHeartbeatSeconds = 1, EventRetryMilliseconds = 1500 });

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
