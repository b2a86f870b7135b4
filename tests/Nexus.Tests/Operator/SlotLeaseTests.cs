using Nexus.Operator.Dispatch;
using Nexus.Operator.Pools;

namespace Nexus.Tests.Operator;

public sealed class SlotLeaseTests
{
    private static readonly DateTime Now = new(2026, 3, 1, 0, 0, 0, DateTimeKind.Utc);

    [Fact]
    public void A_slot_is_released_exactly_once_however_often_release_is_called()
    {
        var registry = new PoolRegistry();
        registry.Update("pool", ["t"], concurrency: 2, new Dictionary<string, bool> { ["http://w1"] = true });
        var first = SlotLease.TryReserve(registry, "pool", Now)!;
        var second = SlotLease.TryReserve(registry, "pool", Now)!;
        Assert.Null(SlotLease.TryReserve(registry, "pool", Now));
        Assert.Equal(2, registry.InFlightOf("pool"));

        var released = 0;
        first.Released += () => released++;
        Assert.True(first.Release());
        Assert.False(first.Release());
        Assert.False(first.Release());
        Assert.Equal(1, released);
        // A second release of the first lease must not free the slot the second lease holds.
        Assert.Equal(1, registry.InFlightOf("pool"));
        var third = SlotLease.TryReserve(registry, "pool", Now)!;
        Assert.Null(SlotLease.TryReserve(registry, "pool", Now));
        Assert.True(third.Release());
        Assert.True(second.Release());
        Assert.Equal(0, registry.InFlightOf("pool"));
    }

    [Fact]
    public void A_held_slot_of_a_reattached_job_counts_until_released_once()
    {
        var registry = new PoolRegistry();
        registry.Update("pool", ["t"], concurrency: 1, new Dictionary<string, bool> { ["http://w1"] = true });
        var held = SlotLease.Hold(registry, "pool", "http://w1");
        Assert.Null(SlotLease.TryReserve(registry, "pool", Now));
        held.Release();
        held.Release();
        Assert.Equal(0, registry.InFlightOf("pool"));
        var next = SlotLease.TryReserve(registry, "pool", Now);
        Assert.NotNull(next);
        Assert.Equal(1, registry.InFlightOf("pool"));
    }
}
