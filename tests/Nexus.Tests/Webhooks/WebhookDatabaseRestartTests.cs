using Nexus.Shared.History;
using Nexus.Tests.Gateway;
using Nexus.Tests.History;
using Nexus.Tests.Support;

namespace Nexus.Tests.Webhooks;

/// <summary>The outbox lives in the database: a database restart in the middle of retries loses no event.</summary>
public sealed class WebhookDatabaseRestartTests
{
    [Fact]
    public async Task Pending_deliveries_arrive_after_the_database_restarts_and_new_archives_enqueue_again()
    {
        await using var server = await PostgresServer.StartOwnAsync("webhooks-restart");
        var connection = await server.CreateDatabaseAsync("webhooks");
        await using var harness = await GatewayHarness.StartAsync(o =>
        {
            o.DatabaseUrl = connection;
            o.WebhookAllowedHosts = "127.0.0.1";
            o.WebhookTimeoutSeconds = 1;
            o.WebhookPollMilliseconds = 50;
            o.WebhookRetryBaseMilliseconds = 100;
            o.WebhookRetryMaxSeconds = 1;
            return o;
        });
        await WebhookGatewayFixture.WaitMigratedAsync(harness.Gateway.Services);
        await using var history = new HistoryDatabase(new HistoryOptions { ConnectionString = connection });
        await using var receiver = await WebhookReceiver.StartAsync((_, nth) => nth <= 2 ? 503 : 200);
        var tenant = GatewayFixture.NewTenant();
        var key = await harness.CreateKeyAsync(tenant);
        var created = await harness.PostAsync("/api/webhooks", key, new { url = receiver.Url, events = new[] { WebhookEvents.JobCompleted } });
        var secret = created.Data.GetProperty("secret").GetString()!;

        var before = SampleJobs.Completed(tenant);
        await history.Jobs.ArchiveAsync(before);
        await Wait.UntilAsync(() => receiver.Received.Count >= 1, "the first (refused) attempt");
        await server.StopAsync();
        await server.StartAsync();
        var after = SampleJobs.Completed(tenant);
        await history.Jobs.ArchiveAsync(after);

        foreach (var job in new[] { before, after })
        {
            var delivery = await Wait.ForAsync(async () => (await history.Webhooks.DeliveriesOfAsync(tenant, job.Id))
                .FirstOrDefault(d => d.State == WebhookDeliveryStates.Delivered), $"{job.Id} delivered", TimeSpan.FromSeconds(90));
            var received = receiver.Of(delivery.Id).ToList();
            Assert.NotEmpty(received);
            Assert.Equal(200, received[^1].Answer);
            Assert.All(received, r => Assert.True(WebhookReceiver.Verify(r, secret)));
        }
        // Each event under one webhook-id only: the only repeats are retries.
        Assert.Equal(2, receiver.Received.Select(r => r.Id).Distinct().Count());
    }
}
