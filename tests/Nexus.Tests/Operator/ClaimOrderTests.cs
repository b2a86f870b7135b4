using Nexus.Operator.Jobs;

namespace Nexus.Tests.Operator;

/// <summary><see cref="ClaimQueue.InClaimOrder"/>: the order queue positions are shown in is the order Take claims in.</summary>
public sealed class ClaimOrderTests
{
    private static readonly DateTime T0 = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
    private static readonly string[] Pool = ["pricing_recalculate", "competitor_scan"];

    private static ClaimQueue Mixed(TimeSpan aging)
    {
        var q = new ClaimQueue(aging);
        var tenants = new[] { "a", "a", "b", "c", "a", "b", "c", "c", "a", "b", "a", "c" };
        for (var i = 0; i < tenants.Length; i++)
        {
            var created = T0.AddSeconds(i);
            q.Upsert(new QueuedJob($"j{i:00}", i % 3 == 0 ? "competitor_scan" : "pricing_recalculate", tenants[i], i % 3, created, created));
        }
        q.Upsert(new QueuedJob("other-type", "review_sentiment", "a", 2, T0, T0));
        return q;
    }

    [Fact]
    public void The_enumeration_is_the_order_jobs_are_then_taken_in_and_leaves_the_queue_as_it_was()
    {
        var q = Mixed(TimeSpan.FromMinutes(10));
        // Some turns taken already, so the tenant ring is not in its first state.
        q.Take(Pool, T0.AddSeconds(20));
        q.Take(Pool, T0.AddSeconds(20));
        var now = T0.AddSeconds(30);

        var shown = q.InClaimOrder(Pool, now).Select(j => j.Name).ToList();
        var again = q.InClaimOrder(Pool, now).Select(j => j.Name).ToList();
        var taken = new List<string>();
        while (q.Take(Pool, now) is { } job) taken.Add(job.Name);

        Assert.Equal(10, shown.Count);
        Assert.Equal(shown, again);
        Assert.Equal(taken, shown);
        Assert.True(q.Contains("other-type"), "a type the pool does not serve is not part of its order");
    }

    [Fact]
    public void Aging_counts_as_it_will_at_that_time_and_the_limit_cuts_the_tail()
    {
        var q = Mixed(TimeSpan.FromSeconds(5));
        var now = T0.AddSeconds(8); // the oldest low and normal jobs have aged by now

        var shown = q.InClaimOrder(Pool, now, max: 4).Select(j => j.Name).ToList();
        var taken = Enumerable.Range(0, 4).Select(_ => q.Take(Pool, now)!.Name).ToList();

        Assert.Equal(taken, shown);
    }
}
