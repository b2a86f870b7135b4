namespace Nexus.Tests.Gateway.Events;

/// <summary>Opening a stream is a request like any other: the key's rate limit applies at connect time.</summary>
public sealed class EventStreamRateLimitTests : IAsyncLifetime
{
    private GatewayHarness _h = null!;

    public async Task InitializeAsync() => _h = await GatewayHarness.StartAsync(o => o with { RateLimitPerSecond = 1, RateLimitBurst = 2 });

    public async Task DisposeAsync() => await _h.DisposeAsync();

    [Fact]
    public async Task Connects_over_the_keys_rate_are_refused_with_RATE_LIMITED_and_open_streams_are_not_counted_again()
    {
        var key = await _h.CreateKeyAsync(GatewayFixture.NewTenant());
        var open = new List<SseClient>();
        Response? refused = null;
        // The bucket holds 2 and refills 1/s: within a few quick connects one is refused.
        for (var i = 0; i < 6 && refused is null; i++)
        {
            var (stream, refusal) = await SseClient.OpenAsync(_h.Http, "/api/ai-jobs/events", key);
            if (stream is not null) open.Add(stream);
            else refused = refusal;
        }
        Assert.NotNull(refused);
        Assert.Equal((429, "RATE_LIMITED"), (refused!.Status, refused.ErrorCode));
        Assert.True(refused.Message.Headers.RetryAfter is not null, "429 carries Retry-After");
        Assert.NotEmpty(open);
        // The streams already open keep going: the limit is taken once, at connect.
        var id = await _h.DispatchAsyncWhenAllowedAsync(key);
        foreach (var stream in open)
        {
            var seen = await stream.EventsUntilAsync(m => m.JobId == id);
            Assert.Equal("queued", seen[^1].Status);
            await stream.DisposeAsync();
        }
    }
}

internal static class RateLimitedDispatch
{
    /// <summary>Dispatches once the key's bucket has a token again (a 429 is retried after its Retry-After).</summary>
    public static async Task<string> DispatchAsyncWhenAllowedAsync(this GatewayHarness h, string key)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var response = await h.PostAsync("/api/ai-jobs", key, GatewayHarness.PricingBody());
            if (response.Status == 202) return response.Data.GetProperty("id").GetString()!;
            Assert.True(response.Status == 429 && DateTime.UtcNow < deadline, response.Text);
            await Task.Delay(response.Message.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1));
        }
    }
}
