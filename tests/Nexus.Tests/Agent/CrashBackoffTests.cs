using Nexus.NodeAgent;

namespace Nexus.Tests.Agent;

public sealed class CrashBackoffTests
{
    private static readonly DateTime T0 = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    [Fact]
    public void First_crash_restarts_at_once_then_each_waits_double_the_last_up_to_five_minutes()
    {
        var clock = new FakeClock(T0);
        var backoff = new CrashBackoff(clock);
        Assert.False(backoff.IsInBackOffSince("c", clock.UtcNow));
        backoff.Next("c", clock.UtcNow);

        var delays = new List<int>();
        for (var crash = 0; crash < 8; crash++)
        {
            clock.Advance(TimeSpan.FromSeconds(1)); // ran a second, crashed again
            var exited = clock.UtcNow;
            var delay = backoff.Get("c");
            Assert.True(backoff.IsInBackOffSince("c", exited));
            clock.Advance(delay - TimeSpan.FromMilliseconds(1));
            Assert.True(backoff.IsInBackOffSince("c", exited));
            clock.Advance(TimeSpan.FromMilliseconds(1));
            Assert.False(backoff.IsInBackOffSince("c", exited));
            backoff.Next("c", exited);
            delays.Add((int)delay.TotalSeconds);
        }
        Assert.Equal([10, 20, 40, 80, 160, 300, 300, 300], delays);
    }

    [Fact]
    public void Container_that_stayed_up_ten_minutes_starts_over_at_ten_seconds()
    {
        var clock = new FakeClock(T0);
        var backoff = new CrashBackoff(clock);
        for (var i = 0; i < 5; i++) backoff.Next("c", clock.UtcNow);
        Assert.Equal(TimeSpan.FromSeconds(160), backoff.Get("c"));

        clock.Advance(TimeSpan.FromMinutes(10) + TimeSpan.FromSeconds(1));
        Assert.False(backoff.IsInBackOffSince("c", clock.UtcNow));
        backoff.Next("c", clock.UtcNow);
        Assert.Equal(TimeSpan.FromSeconds(10), backoff.Get("c"));
    }
}
