using Nexus.Shared.History;
using Nexus.Tests.Gateway;
using Nexus.Tests.History;
using Nexus.Tests.Support;

namespace Nexus.Tests.Webhooks;

/// <summary>A receiver that hangs holds only its host's share of the sender; other hosts' events keep flowing.</summary>
public sealed class WebhookFairnessTests
{
    [Fact]
    public async Task A_hanging_host_gets_at_most_its_share_of_the_sender_and_every_event_still_arrives()
    {
        var server = await PostgresServer.SharedAsync();
        var connection = await server.CreateDatabaseAsync("webhooks_fair");
        try
        {
            await using var harness = await GatewayHarness.StartAsync(o =>
            {
                o.DatabaseUrl = connection;
                o.WebhookAllowedHosts = "127.0.0.1,localhost";
                o.WebhookTimeoutSeconds = 3;
                o.WebhookConcurrency = 4;
                o.WebhookConcurrencyPerHost = 2;
                o.WebhookPollMilliseconds = 50;
                o.WebhookRetryBaseMilliseconds = 100;
                o.WebhookRetryMaxSeconds = 1;
                return o;
            });
            await WebhookGatewayFixture.WaitMigratedAsync(harness.Gateway.Services);
            await using var history = new HistoryDatabase(new HistoryOptions { ConnectionString = connection });
            await using var slow = await WebhookReceiver.StartAsync((_, nth) => nth == 1 ? WebhookReceiver.Hang : 200);
            await using var fast = await WebhookReceiver.StartAsync((_, _) => 200);
            var tenant = GatewayFixture.NewTenant();
            var key = await harness.CreateKeyAsync(tenant);
            // Two hosts as the sender counts them: "localhost" and "127.0.0.1".
            Assert.Equal(201, (await harness.PostAsync("/api/webhooks", key,
                new { url = $"http://localhost:{slow.Port}/hook", events = new[] { WebhookEvents.JobCompleted } })).Status);
            Assert.Equal(201, (await harness.PostAsync("/api/webhooks", key,
                new { url = fast.Url, events = new[] { WebhookEvents.JobCompleted } })).Status);
            var jobs = Enumerable.Range(0, 6).Select(_ => SampleJobs.Completed(tenant)).ToList();

            await history.Jobs.ArchiveAsync(jobs);

            await Wait.UntilAsync(() => fast.Received.Select(r => r.Id).Distinct().Count() == jobs.Count, "every event at the fast receiver");
            await Wait.UntilAsync(async () =>
            {
                foreach (var job in jobs)
                    if ((await history.Webhooks.DeliveriesOfAsync(tenant, job.Id)).Any(d => d.State != WebhookDeliveryStates.Delivered)) return false;
                return true;
            }, "every event delivered to both", TimeSpan.FromSeconds(90));
            Assert.InRange(slow.MaxActive, 1, 2);
            Assert.Equal(jobs.Count, slow.Received.Select(r => r.Id).Distinct().Count());
            Assert.Equal(jobs.Count, fast.Received.Count); // the fast host never needed a retry
        }
        finally
        {
            await server.DropDatabaseAsync(connection);
        }
    }
}
