using Nexus.Crds.Entities;
using Nexus.Shared.History;
using Nexus.Tests.History;
using Nexus.Tests.Support;

namespace Nexus.Tests.Webhooks;

/// <summary>The outbox on a real PostgreSQL: what the first archive enqueues, what a re-archive does not, and the claim.</summary>
public sealed class WebhookOutboxTests(HistoryDatabaseFixture fixture) : IClassFixture<HistoryDatabaseFixture>
{
    private Shared.History.Webhooks Hooks => fixture.Db.Webhooks;

    private static string NewTenant() => "t" + Guid.NewGuid().ToString("N")[..12];

    private Task<WebhookSubscription> SubscribeAsync(string tenant, params string[] events) =>
        Hooks.CreateSubscriptionAsync(tenant, "https://hooks.example.com/" + Guid.NewGuid().ToString("N")[..6], events, 50)!;

    [Fact]
    public async Task The_first_archive_enqueues_one_delivery_per_matching_subscription_and_the_callback_and_a_re_archive_none()
    {
        var tenant = NewTenant();
        var completed = await SubscribeAsync(tenant, WebhookEvents.JobCompleted);
        var failedOnly = await SubscribeAsync(tenant, WebhookEvents.JobFailed);
        var other = await SubscribeAsync(NewTenant(), WebhookEvents.JobCompleted);
        var job = SampleJobs.Completed(tenant) with { CallbackUrl = "https://callback.example.com/done" };

        await fixture.Db.Jobs.ArchiveAsync(job);
        await fixture.Db.Jobs.ArchiveAsync(job);                        // the operator retrying after a lost reply
        await fixture.Db.Jobs.ArchiveAsync([job, SampleJobs.Failed(tenant)]); // and again, among others

        var deliveries = await Hooks.DeliveriesOfAsync(tenant, job.Id);
        Assert.Equal(2, deliveries.Count);
        var toSubscription = Assert.Single(deliveries, d => d.SubscriptionId == completed.Id);
        Assert.Equal(completed.Url, toSubscription.Url);
        Assert.Equal(WebhookEvents.JobCompleted, toSubscription.EventType);
        Assert.Equal(WebhookDeliveryStates.Pending, toSubscription.State);
        Assert.Matches("^msg_[0-9a-f]{32}$", toSubscription.Id);
        var toCallback = Assert.Single(deliveries, d => d.SubscriptionId is null);
        Assert.Equal("https://callback.example.com/done", toCallback.Url);
        Assert.DoesNotContain(deliveries, d => d.SubscriptionId == failedOnly.Id || d.SubscriptionId == other.Id);
        Assert.Empty(await Hooks.DeliveriesOfAsync(other.Tenant, job.Id));
        // The callback's signing key exists as soon as a callback is enqueued.
        Assert.StartsWith("whsec_", await Hooks.GetCallbackSecretAsync(tenant));
    }

    [Fact]
    public async Task A_failed_job_goes_to_failed_subscribers_and_a_batch_once_to_batch_subscribers()
    {
        var tenant = NewTenant();
        var failed = await SubscribeAsync(tenant, WebhookEvents.JobFailed, WebhookEvents.BatchFinished);
        var job = SampleJobs.Failed(tenant);
        await fixture.Db.Jobs.ArchiveAsync(job);
        Assert.Equal(WebhookEvents.JobFailed, Assert.Single(await Hooks.DeliveriesOfAsync(tenant, job.Id)).EventType);

        var batch = new ArchivedBatch
        {
            Id = "batch_" + Ulid.NewUlid(), Tenant = tenant, Status = JobPhases.Completed, CreatedAt = DateTimeOffset.UtcNow,
            CompletedAt = DateTimeOffset.UtcNow, Jobs = [new ArchivedBatchItem(0, job.Id, job.Type, job.Priority)],
        };
        await fixture.Db.Jobs.ArchiveBatchAsync(batch);
        await fixture.Db.Jobs.ArchiveBatchAsync(batch);
        var delivery = Assert.Single(await Hooks.DeliveriesOfAsync(tenant, batch.Id));
        Assert.Equal(WebhookEvents.BatchFinished, delivery.EventType);
        Assert.Equal(failed.Id, delivery.SubscriptionId);
    }

    [Fact]
    public async Task Subscriptions_are_scoped_to_their_tenant_and_capped()
    {
        var tenant = NewTenant();
        var mine = await SubscribeAsync(tenant, WebhookEvents.JobCompleted);
        var stranger = NewTenant();
        Assert.Null(await Hooks.GetSubscriptionAsync(stranger, mine.Id));
        Assert.False(await Hooks.DeleteSubscriptionAsync(stranger, mine.Id));
        Assert.Empty(await Hooks.ListSubscriptionsAsync(stranger));
        Assert.Equal(mine.Id, Assert.Single(await Hooks.ListSubscriptionsAsync(tenant)).Id);
        Assert.StartsWith("wh_", mine.Id);

        var capped = NewTenant();
        Assert.NotNull(await Hooks.CreateSubscriptionAsync(capped, "https://a.example.com/", [WebhookEvents.JobCompleted], 1));
        Assert.Null(await Hooks.CreateSubscriptionAsync(capped, "https://b.example.com/", [WebhookEvents.JobCompleted], 1));

        Assert.True(await Hooks.DeleteSubscriptionAsync(tenant, mine.Id));
        Assert.Null(await Hooks.GetSubscriptionAsync(tenant, mine.Id));
    }

    [Fact]
    public async Task Senders_claiming_at_once_never_get_the_same_delivery_and_a_stale_claim_cannot_record()
    {
        var tenant = NewTenant();
        await SubscribeAsync(tenant, WebhookEvents.JobCompleted);
        var jobs = Enumerable.Range(0, 60).Select(_ => SampleJobs.Completed(tenant)).ToList();
        await fixture.Db.Jobs.ArchiveAsync(jobs);
        await using var second = fixture.Open();

        // Two senders (two pools, as two gateway replicas) claim in small bites, as fast as they can, at once.
        async Task<List<ClaimedDelivery>> ClaimAll(HistoryDatabase db)
        {
            var mine = new List<ClaimedDelivery>();
            while (true)
            {
                var got = await db.Webhooks.ClaimDueAsync(3, TimeSpan.FromMinutes(5));
                if (got.Count == 0) return mine;
                mine.AddRange(got.Where(d => d.Tenant == tenant));
            }
        }
        var both = await Task.WhenAll(ClaimAll(fixture.Db), ClaimAll(second));
        var ids = both.SelectMany(c => c).Select(c => c.Id).ToList();
        Assert.Equal(jobs.Count, ids.Count);
        Assert.Equal(ids.Count, ids.Distinct().Count());

        // A claim whose lease was taken over records nothing; the current one does.
        var claimed = both.SelectMany(c => c).First();
        var stale = claimed with { Lease = claimed.Lease - 1 };
        var outcome = new WebhookAttemptOutcome(WebhookAttemptResult.Delivered, DateTimeOffset.UtcNow, TimeSpan.FromMilliseconds(5), 200, null);
        Assert.False(await Hooks.RecordAttemptAsync(stale, outcome));
        Assert.True(await Hooks.RecordAttemptAsync(claimed, outcome));
        var recorded = Assert.Single(await Hooks.DeliveriesOfAsync(tenant, claimed.ResourceId));
        Assert.Equal(WebhookDeliveryStates.Delivered, recorded.State);
        Assert.Equal(200, Assert.Single(recorded.Attempts).Status);
        Assert.Null(recorded.NextAttemptAt);
    }

    [Fact]
    public async Task Pruning_deletes_old_finished_deliveries_and_keeps_pending_ones()
    {
        var tenant = NewTenant();
        await SubscribeAsync(tenant, WebhookEvents.JobCompleted);
        var done = SampleJobs.Completed(tenant);
        var waiting = SampleJobs.Completed(tenant);
        await fixture.Db.Jobs.ArchiveAsync([done, waiting]);
        var delivery = Assert.Single(await Hooks.DeliveriesOfAsync(tenant, done.Id));
        await using (var age = fixture.Db.DataSource.CreateCommand(
            "UPDATE webhook_deliveries SET created_at = now() - interval '40 days', state = 'delivered', next_attempt_at = NULL WHERE id = $1"))
        {
            age.Parameters.Add(new Npgsql.NpgsqlParameter<string> { TypedValue = delivery.Id });
            await age.ExecuteNonQueryAsync();
        }
        await using (var old = fixture.Db.DataSource.CreateCommand("UPDATE webhook_deliveries SET created_at = now() - interval '40 days' WHERE resource_id = $1"))
        {
            old.Parameters.Add(new Npgsql.NpgsqlParameter<string> { TypedValue = waiting.Id });
            await old.ExecuteNonQueryAsync();
        }

        Assert.True(await Hooks.PruneAsync(DateTimeOffset.UtcNow.AddDays(-30)) >= 1);
        Assert.Empty(await Hooks.DeliveriesOfAsync(tenant, done.Id));
        Assert.Single(await Hooks.DeliveriesOfAsync(tenant, waiting.Id)); // still pending: never pruned
    }
}
