using Nexus.Operator.Jobs;

namespace Nexus.Tests.Operator;

public sealed class ClaimQueueTests
{
    private static readonly DateTime T0 = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
    private static readonly string[] Pricing = ["pricing_recalculate"];

    private static QueuedJob Job(string name, int rank, int createdSec, string tenant = "t1", string type = "pricing_recalculate") =>
        new(name, type, tenant, rank, T0.AddSeconds(createdSec), T0.AddSeconds(createdSec));

    private static List<string> Drain(ClaimQueue q, DateTime now, IEnumerable<string>? types = null)
    {
        var order = new List<string>();
        while (q.Take(types ?? Pricing, now) is { } j) order.Add(j.Name);
        return order;
    }

    [Fact]
    public void High_before_normal_before_low_and_fifo_within_a_priority()
    {
        var q = new ClaimQueue(TimeSpan.FromMinutes(10));
        q.Upsert(Job("low-1", 0, 1));
        q.Upsert(Job("normal-2", 1, 3));
        q.Upsert(Job("high-1", 2, 4));
        q.Upsert(Job("normal-1", 1, 2));
        q.Upsert(Job("high-2", 2, 5));
        Assert.Equal(["high-1", "high-2", "normal-1", "normal-2", "low-1"], Drain(q, T0.AddSeconds(10)));
    }

    [Fact]
    public void Tenants_take_turns_within_a_priority()
    {
        var q = new ClaimQueue(TimeSpan.FromMinutes(10));
        // Tenant a floods first; b and c arrive later but must not wait behind all of a's jobs.
        for (var i = 0; i < 4; i++) q.Upsert(Job($"a{i}", 1, i, "a"));
        q.Upsert(Job("b0", 1, 10, "b"));
        q.Upsert(Job("b1", 1, 11, "b"));
        q.Upsert(Job("c0", 1, 12, "c"));
        Assert.Equal(["a0", "b0", "c0", "a1", "b1", "a2", "a3"], Drain(q, T0.AddSeconds(20)));
    }

    [Fact]
    public void A_job_waiting_past_the_aging_threshold_counts_one_level_higher()
    {
        var q = new ClaimQueue(TimeSpan.FromMinutes(10));
        q.Upsert(Job("old-low", 0, 0));
        q.Upsert(Job("normal", 1, 500));
        q.Upsert(Job("high", 2, 550));
        // Before the threshold the low job is last; after it, it outranks normal jobs but not high ones.
        Assert.Equal("high", q.Peek(Pricing, T0.AddSeconds(599))!.Name);
        q.Remove("high");
        Assert.Equal("normal", q.Peek(Pricing, T0.AddSeconds(599))!.Name);
        Assert.Equal("old-low", q.Peek(Pricing, T0.AddSeconds(600))!.Name);
    }

    [Fact]
    public void Aged_normal_job_goes_before_newer_high_jobs()
    {
        var q = new ClaimQueue(TimeSpan.FromMinutes(10));
        q.Upsert(Job("old-normal", 1, 0));
        q.Upsert(Job("high", 2, 700));
        Assert.Equal(["old-normal", "high"], Drain(q, T0.AddSeconds(700)));
    }

    [Fact]
    public void Only_the_asked_types_are_taken_and_priorities_compare_across_types()
    {
        var q = new ClaimQueue(TimeSpan.FromMinutes(10));
        q.Upsert(Job("p", 1, 0));
        q.Upsert(Job("s", 2, 5, type: "review_sentiment"));
        q.Upsert(Job("l", 2, 1, type: "listing_optimize"));
        Assert.Equal(["p"], Drain(q, T0.AddSeconds(10)));
        Assert.Equal(["l", "s"], Drain(q, T0.AddSeconds(10), ["review_sentiment", "listing_optimize"]));
    }

    [Fact]
    public void Remove_and_upsert_keep_the_queue_consistent()
    {
        var q = new ClaimQueue(TimeSpan.FromMinutes(10));
        q.Upsert(Job("a", 1, 0));
        q.Upsert(Job("b", 1, 1));
        q.Upsert(Job("a", 2, 0)); // priority raised: moves levels, not duplicated
        Assert.Equal(2, q.Count);
        Assert.True(q.Remove("b"));
        Assert.False(q.Remove("b"));
        Assert.Equal(["a"], Drain(q, T0));
        Assert.Equal(0, q.Count);
    }

    [Fact]
    public void Large_queue_drains_in_priority_order_without_losing_jobs()
    {
        var q = new ClaimQueue(TimeSpan.FromDays(1));
        var rnd = new Random(7);
        for (var i = 0; i < 20_000; i++) q.Upsert(Job($"j{i:D5}", rnd.Next(3), i, $"t{rnd.Next(50)}"));
        var taken = new List<QueuedJob>();
        while (q.Take(Pricing, T0.AddSeconds(20_000)) is { } j) taken.Add(j);
        Assert.Equal(20_000, taken.Count);
        Assert.Equal(20_000, taken.Select(t => t.Name).Distinct().Count());
        // Ranks never increase along the drain.
        for (var i = 1; i < taken.Count; i++) Assert.True(taken[i].Rank <= taken[i - 1].Rank);
    }
}
