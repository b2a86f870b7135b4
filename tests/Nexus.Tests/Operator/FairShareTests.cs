using Nexus.Crds.Entities;
using Nexus.Operator.Dispatch;
using Nexus.Operator.Jobs;

namespace Nexus.Tests.Operator;

/// <summary>Weighted fair share and running-limit holds of <see cref="ClaimQueue"/> and <see cref="TenantLoad"/>.</summary>
public sealed class FairShareTests
{
    private static readonly DateTime T0 = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
    private const string Pricing = "pricing_recalculate";
    private const string Scan = "competitor_scan";
    private static readonly string[] Both = [Pricing, Scan];

    private static QueuedJob Job(string name, string tenant, int createdSec, int rank = 1, string type = Pricing) =>
        new(name, type, tenant, rank, T0.AddSeconds(createdSec), T0.AddSeconds(createdSec));

    private static List<string> TenantsInOrder(ClaimQueue q, int n, IEnumerable<string>? types = null) =>
        Enumerable.Range(0, n).Select(_ => q.Take(types ?? Both, T0.AddSeconds(100))!.Tenant).ToList();

    [Fact]
    public void Weights_three_to_one_give_three_claims_to_one_in_every_round()
    {
        var weights = new Dictionary<string, int> { ["a"] = 3, ["b"] = 1 };
        var q = new ClaimQueue(TimeSpan.FromHours(1), t => weights[t]);
        for (var i = 0; i < 40; i++)
        {
            q.Upsert(Job($"a{i:00}", "a", i));
            q.Upsert(Job($"b{i:00}", "b", i));
        }
        var order = TenantsInOrder(q, 40);
        // Every window of four claims holds three of a's and one of b's; each prefix is within one claim of 3:1.
        for (var w = 0; w < 40; w += 4) Assert.Equal(3, order.Skip(w).Take(4).Count(t => t == "a"));
        for (var n = 1; n <= 40; n++) Assert.InRange(order.Take(n).Count(t => t == "a") - 3.0 * n / 4, -1, 1);
        // And the shown order is that claim order.
        var q2 = new ClaimQueue(TimeSpan.FromHours(1), t => weights[t]);
        for (var i = 0; i < 10; i++)
        {
            q2.Upsert(Job($"a{i:00}", "a", i));
            q2.Upsert(Job($"b{i:00}", "b", i));
        }
        var shown = q2.InClaimOrder(Both, T0.AddSeconds(100)).Select(j => j.Name).ToList();
        var taken = Enumerable.Range(0, 20).Select(_ => q2.Take(Both, T0.AddSeconds(100))!.Name).ToList();
        Assert.Equal(taken, shown);
    }

    [Fact]
    public void A_newcomer_behind_ten_thousand_queued_jobs_is_claimed_within_one_round()
    {
        var weights = new Dictionary<string, int> { ["big"] = 1000, ["other"] = 1, ["new"] = 1 };
        var q = new ClaimQueue(TimeSpan.FromHours(1), t => weights[t]);
        for (var i = 0; i < 10_000; i++) q.Upsert(Job($"big{i:00000}", "big", i));
        q.Upsert(Job("other0", "other", 10));
        q.Upsert(Job("other1", "other", 11));
        // Some claims first, so big's pass has moved on before the newcomer arrives.
        TenantsInOrder(q, 50);
        q.Upsert(Job("new0", "new", 20_000));
        // A round is every waiting tenant once: the newcomer's first job goes within it.
        var next = TenantsInOrder(q, 3);
        Assert.Contains("new", next);
    }

    [Fact]
    public void Equal_weights_are_round_robin_in_order_of_arrival()
    {
        var q = new ClaimQueue(TimeSpan.FromHours(1));
        for (var i = 0; i < 3; i++) q.Upsert(Job($"c{i}", "c", i));
        for (var i = 0; i < 3; i++) q.Upsert(Job($"a{i}", "a", 10 + i));
        Assert.Equal(["c", "a", "c", "a", "c", "a"], TenantsInOrder(q, 6));
    }

    [Fact]
    public void A_held_tenant_is_skipped_without_blocking_others_and_rejoins_when_released()
    {
        var q = new ClaimQueue(TimeSpan.FromHours(1));
        q.Upsert(Job("a0", "a", 0));
        q.Upsert(Job("a1", "a", 1));
        q.Upsert(Job("b0", "b", 2));
        q.Upsert(Job("b1", "b", 3));
        q.Hold("a", null, true);
        Assert.Equal("b0", q.Peek(Both, T0.AddSeconds(100))!.Name);
        Assert.DoesNotContain(q.InClaimOrder(Both, T0.AddSeconds(100)), j => j.Tenant == "a");
        Assert.Equal("b0", q.Take(Both, T0.AddSeconds(100))!.Name);
        Assert.Equal("b1", q.Take(Both, T0.AddSeconds(100))!.Name);
        Assert.Null(q.Take(Both, T0.AddSeconds(100)));
        Assert.Equal(2, q.Count); // still queued, never dropped
        q.Hold("a", null, false);
        Assert.Equal("a0", q.Take(Both, T0.AddSeconds(100))!.Name);
    }

    [Fact]
    public void A_held_tenant_does_not_age_ahead_of_others()
    {
        var q = new ClaimQueue(TimeSpan.FromSeconds(10));
        q.Upsert(Job("a-low", "a", 0, rank: 0));
        q.Upsert(Job("b-normal", "b", 55, rank: 1));
        Assert.Equal("a-low", q.Peek(Both, T0.AddSeconds(60))!.Name); // aged past the threshold
        q.Hold("a", null, true);
        Assert.Equal("b-normal", q.Peek(Both, T0.AddSeconds(60))!.Name);
    }

    [Fact]
    public void Running_limits_hold_a_tenant_overall_and_per_type_until_a_run_ends()
    {
        var limits = new Dictionary<string, TenantLimits>
        {
            ["a"] = new(1, 3, new Dictionary<string, int> { [Scan] = 1 }, null),
        };
        var q = new ClaimQueue(TimeSpan.FromHours(1));
        var load = new TenantLoad(q, t => limits.GetValueOrDefault(t, TenantLimits.None));
        for (var i = 0; i < 5; i++)
        {
            q.Upsert(Job($"a-scan{i}", "a", i, type: Scan));
            q.Upsert(Job($"a-price{i}", "a", 10 + i));
        }
        q.Upsert(Job("b-scan0", "b", 30, type: Scan));

        // a may run one scan: its second scan is held, b's is not.
        var first = q.Take([Scan], T0.AddSeconds(100))!;
        Assert.Equal("a-scan0", first.Name);
        load.Started(first.Name, first.Tenant, first.Type);
        Assert.Equal("b-scan0", q.Take([Scan], T0.AddSeconds(100))!.Name);
        Assert.Null(q.Take([Scan], T0.AddSeconds(100)));

        // Overall three: two pricing jobs more, then nothing of a's at all.
        for (var i = 0; i < 2; i++)
        {
            var j = q.Take([Pricing], T0.AddSeconds(100))!;
            load.Started(j.Name, j.Tenant, j.Type);
        }
        Assert.Equal(3, load.RunningOf("a"));
        Assert.Null(q.Take(Both, T0.AddSeconds(100)));

        // A pricing run ends: one more of a's may run, but still not a second scan.
        load.Stopped("a-price0");
        Assert.Equal("a-price2", q.Take(Both, T0.AddSeconds(100))!.Name);
        load.Started("a-price2", "a", Pricing);
        Assert.Null(q.Take(Both, T0.AddSeconds(100)));
        // The scan ends: a second scan may go, and fills the overall three again.
        load.Stopped("a-scan0");
        Assert.Equal("a-scan1", q.Take([Scan], T0.AddSeconds(100))!.Name);
        load.Started("a-scan1", "a", Scan);
        Assert.Null(q.Take(Both, T0.AddSeconds(100)));
        // A run reported twice (claimed, then re-attached) counts once.
        load.Started("a-scan1", "a", Scan);
        Assert.Equal(1, load.RunningOf("a", Scan));
        Assert.Equal(3, load.RunningOf("a"));
    }

    [Fact]
    public void A_quota_raised_releases_the_held_tenant()
    {
        var limits = new Dictionary<string, TenantLimits> { ["a"] = new(1, 1, new Dictionary<string, int>(), null) };
        var q = new ClaimQueue(TimeSpan.FromHours(1));
        var load = new TenantLoad(q, t => limits.GetValueOrDefault(t, TenantLimits.None));
        q.Upsert(Job("a0", "a", 0));
        q.Upsert(Job("a1", "a", 1));
        var j = q.Take(Both, T0)!;
        load.Started(j.Name, j.Tenant, j.Type);
        Assert.Null(q.Peek(Both, T0));
        limits["a"] = new(1, 2, new Dictionary<string, int>(), null);
        load.Reapply();
        Assert.Equal("a1", q.Peek(Both, T0)!.Name);
    }

    [Fact]
    public void Limits_resolve_a_tenants_own_quota_else_the_default_and_the_first_name_wins_a_tie()
    {
        static TenantQuota Quota(string name, string tenant, int weight, int? maxQueued = null) =>
            new() { Metadata = new() { Name = name }, Spec = new() { Tenant = tenant, Weight = weight, MaxQueued = maxQueued } };
        var book = new Nexus.Shared.TenantQuotaBook([Quota("z", "acme", 5), Quota("b", "acme", 7), Quota("d", "*", 2, 10)]);
        Assert.Equal(7, book.WeightOf("acme"));
        Assert.Equal(2, book.WeightOf("someone-else"));
        Assert.Equal(10, book.For("someone-else").MaxQueued);
        Assert.Equal(1, new Nexus.Shared.TenantQuotaBook([]).WeightOf("anyone"));
    }
}
