using Nexus.Shared.History;
using Nexus.Tests.Support;

namespace Nexus.Tests.History;

/// <summary>Idempotency-Key claims: one owner under contention, replays, conflicts, expiry, release.</summary>
public sealed class IdempotencyKeyTests(HistoryDatabaseFixture fixture) : IClassFixture<HistoryDatabaseFixture>
{
    [Fact]
    public async Task Fifty_concurrent_claims_of_one_key_across_two_replicas_have_exactly_one_owner()
    {
        await using var second = fixture.Open();
        var replicas = new[] { fixture.Db.IdempotencyKeys, second.IdempotencyKeys };
        var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var claims = Enumerable.Range(0, 50).Select(i => Task.Run(async () =>
        {
            await go.Task;
            return await replicas[i % 2].ClaimAsync("acme", "order-42", "fp-1", $"job_{i:D2}");
        })).ToList();
        go.SetResult();
        var results = await Task.WhenAll(claims);

        var owner = Assert.Single(results, r => r.Outcome == ClaimOutcome.Owned);
        Assert.All(results.Where(r => r != owner), r =>
        {
            Assert.Equal(ClaimOutcome.Replay, r.Outcome);
            Assert.Equal(owner.ResourceId, r.ResourceId);
        });
        await using var count = fixture.Db.DataSource.CreateCommand("SELECT count(*) FROM idempotency_keys WHERE tenant = 'acme' AND key = 'order-42'");
        Assert.Equal(1L, await count.ExecuteScalarAsync());
    }

    [Fact]
    public async Task The_same_key_with_another_request_is_a_conflict_naming_the_first_job()
    {
        var keys = fixture.Db.IdempotencyKeys;
        var first = await keys.ClaimAsync("acme", "k-conflict", "fp-a", "job_A");
        Assert.Equal(ClaimOutcome.Owned, first.Outcome);
        Assert.InRange(first.ExpiresAt - DateTimeOffset.UtcNow, TimeSpan.FromHours(23), TimeSpan.FromHours(25));

        var again = await keys.ClaimAsync("acme", "k-conflict", "fp-a", "job_B");
        Assert.Equal(new IdempotencyClaim(ClaimOutcome.Replay, "job_A", first.ExpiresAt), again);
        var other = await keys.ClaimAsync("acme", "k-conflict", "fp-b", "job_C");
        Assert.Equal(ClaimOutcome.Conflict, other.Outcome);
        Assert.Equal("job_A", other.ResourceId);
        // The owner retrying its own claim (a lost reply) still owns it.
        Assert.Equal(ClaimOutcome.Owned, (await keys.ClaimAsync("acme", "k-conflict", "fp-a", "job_A")).Outcome);
    }

    [Fact]
    public async Task An_expired_key_is_claimed_anew_and_a_released_key_is_free()
    {
        var keys = fixture.Db.IdempotencyKeys;
        Assert.Equal(ClaimOutcome.Owned, (await keys.ClaimAsync("acme", "k-expire", "fp-a", "job_old")).Outcome);
        await using (var age = fixture.Db.DataSource.CreateCommand("UPDATE idempotency_keys SET expires_at = now() - interval '1 second' WHERE key = 'k-expire'"))
            await age.ExecuteNonQueryAsync();
        var renewed = await keys.ClaimAsync("acme", "k-expire", "fp-b", "job_new");
        Assert.Equal(new IdempotencyClaim(ClaimOutcome.Owned, "job_new", renewed.ExpiresAt), renewed);

        Assert.False(await keys.ReleaseAsync("acme", "k-expire", "job_old"));
        Assert.True(await keys.ReleaseAsync("acme", "k-expire", "job_new"));
        Assert.Equal(ClaimOutcome.Owned, (await keys.ClaimAsync("acme", "k-expire", "fp-c", "job_third")).Outcome);
    }

    [Fact]
    public async Task The_ttl_comes_from_the_options()
    {
        await using var shortLived = fixture.Open(o => o with { IdempotencyTtl = TimeSpan.FromMinutes(5) });
        var claim = await shortLived.IdempotencyKeys.ClaimAsync("acme", "k-ttl", "fp", "job_T");
        Assert.InRange(claim.ExpiresAt - DateTimeOffset.UtcNow, TimeSpan.FromMinutes(4), TimeSpan.FromMinutes(6));
    }
}
