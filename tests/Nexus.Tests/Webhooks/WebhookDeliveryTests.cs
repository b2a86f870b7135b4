using System.Text.Json;
using Nexus.Crds.Entities;
using Nexus.Gateway;
using Nexus.Shared.History;
using Nexus.Tests.Gateway;
using Nexus.Tests.History;
using Nexus.Tests.Support;

namespace Nexus.Tests.Webhooks;

/// <summary>
/// Deliveries end to end: the operator's archive (played here by a call of JobArchive) enqueues, the real gateway's
/// sender delivers over real HTTP to receivers on 127.0.0.1 that fail, hang, answer 410 or are down while the
/// gateway restarts. Every event arrives, signed (checked here independently), duplicates only as retries of one id.
/// </summary>
public sealed class WebhookDeliveryTests(WebhookGatewayFixture fixture) : IClassFixture<WebhookGatewayFixture>
{
    private GatewayHarness Harness => fixture.Harness;

    private static string NewTenant() => GatewayFixture.NewTenant();

    private async Task<(string Key, string Id, string Secret)> SubscribeAsync(string tenant, string url, params string[] events)
    {
        var key = await Harness.CreateKeyAsync(tenant);
        var created = await Harness.PostAsync("/api/webhooks", key, new { url, events = events.Length > 0 ? events : [WebhookEvents.JobCompleted] });
        Assert.True(created.Status == 201, created.Text);
        return (key, created.Data.GetProperty("id").GetString()!, created.Data.GetProperty("secret").GetString()!);
    }

    private Task<WebhookDelivery> DeliveredAsync(string tenant, string resourceId, TimeSpan? timeout = null) =>
        Wait.ForAsync(async () => (await fixture.Operator.Webhooks.DeliveriesOfAsync(tenant, resourceId))
            .FirstOrDefault(d => d.State != WebhookDeliveryStates.Pending), $"the delivery of {resourceId} to end", timeout ?? TimeSpan.FromSeconds(60));

    private static void AssertSignedBody(ReceivedWebhook received, string secret, ArchivedJob job, string eventType)
    {
        Assert.True(WebhookReceiver.Verify(received, secret), $"signature {received.Signature} does not verify");
        var sent = DateTimeOffset.FromUnixTimeSeconds(long.Parse(received.Timestamp, System.Globalization.CultureInfo.InvariantCulture));
        Assert.InRange(sent, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddMinutes(1));
        using var body = JsonDocument.Parse(received.Body);
        Assert.Equal(eventType, body.RootElement.GetProperty("type").GetString());
        Assert.True(DateTimeOffset.TryParse(body.RootElement.GetProperty("timestamp").GetString(), out _));
        var data = body.RootElement.GetProperty("data");
        Assert.Equal(job.Id, data.GetProperty("id").GetString());
        Assert.Equal(job.Status.ToLowerInvariant(), data.GetProperty("status").GetString());
        Assert.Equal(job.Type, data.GetProperty("type").GetString());
        Assert.Equal(JobTimes.Format(job.CreatedAt), data.GetProperty("created_at").GetString());
        if (job.Result is { } result) Assert.Equal(result.GetRawText(), data.GetProperty("result").GetRawText());
        if (job.Error is { } error) Assert.Equal(error.Code, data.GetProperty("error").GetProperty("code").GetString());
    }

    [Fact]
    public async Task A_receiver_that_fails_its_first_answers_gets_the_event_signed_with_one_webhook_id_and_every_attempt_is_listed()
    {
        await using var receiver = await WebhookReceiver.StartAsync((_, nth) => nth switch { 1 => 500, 2 => 503, _ => 204 });
        var tenant = NewTenant();
        var (key, hookId, secret) = await SubscribeAsync(tenant, receiver.Url);
        var job = SampleJobs.Completed(tenant);

        await fixture.Operator.Jobs.ArchiveAsync(job);
        var delivery = await DeliveredAsync(tenant, job.Id);

        Assert.Equal(WebhookDeliveryStates.Delivered, delivery.State);
        var received = receiver.Of(delivery.Id).ToList();
        Assert.Equal(3, received.Count);
        Assert.Equal(received.Count, receiver.Received.Count); // nothing under another id
        foreach (var r in received) AssertSignedBody(r, secret, job, WebhookEvents.JobCompleted);
        Assert.Single(received.Select(r => r.Body).Distinct()); // a retry sends the same event

        var listed = await Harness.GetAsync($"/api/webhooks/{hookId}/deliveries", key);
        Assert.Equal(200, listed.Status);
        var item = Assert.Single(listed.Data.EnumerateArray());
        Assert.Equal(delivery.Id, item.GetProperty("id").GetString());
        Assert.Equal("delivered", item.GetProperty("status").GetString());
        Assert.Equal(job.Id, item.GetProperty("resource_id").GetString());
        Assert.Equal([500, 503, 204], item.GetProperty("attempts").EnumerateArray().Select(a => a.GetProperty("status_code").GetInt32()));
        Assert.Equal("HTTP 500", item.GetProperty("attempts")[0].GetProperty("error").GetString());
    }

    [Fact]
    public async Task A_receiver_that_hangs_is_timed_out_and_retried()
    {
        await using var receiver = await WebhookReceiver.StartAsync((_, nth) => nth == 1 ? WebhookReceiver.Hang : 200);
        var tenant = NewTenant();
        var (_, _, secret) = await SubscribeAsync(tenant, receiver.Url, WebhookEvents.JobFailed);
        var job = SampleJobs.Failed(tenant);

        await fixture.Operator.Jobs.ArchiveAsync(job);
        var delivery = await DeliveredAsync(tenant, job.Id);

        Assert.Equal(WebhookDeliveryStates.Delivered, delivery.State);
        Assert.Equal(2, delivery.Attempts.Count);
        Assert.Null(delivery.Attempts[0].Status);
        Assert.Contains("no answer within", delivery.Attempts[0].Error);
        var received = receiver.Of(delivery.Id).ToList();
        Assert.Equal(2, received.Count);
        foreach (var r in received) AssertSignedBody(r, secret, job, WebhookEvents.JobFailed);
    }

    [Fact]
    public async Task A_receiver_that_answers_410_disables_its_subscription()
    {
        await using var receiver = await WebhookReceiver.StartAsync((_, _) => 410);
        var tenant = NewTenant();
        var (key, hookId, _) = await SubscribeAsync(tenant, receiver.Url);
        var job = SampleJobs.Completed(tenant);

        await fixture.Operator.Jobs.ArchiveAsync(job);
        var delivery = await DeliveredAsync(tenant, job.Id);

        Assert.Equal(WebhookDeliveryStates.Disabled, delivery.State);
        Assert.Equal(410, Assert.Single(delivery.Attempts).Status);
        var hook = await Harness.GetAsync($"/api/webhooks/{hookId}", key);
        Assert.Equal("disabled", hook.Data.GetProperty("status").GetString());
        Assert.Contains("410", hook.Data.GetProperty("disabled_reason").GetString());
        // A disabled subscription gets nothing more.
        var next = SampleJobs.Completed(tenant);
        await fixture.Operator.Jobs.ArchiveAsync(next);
        Assert.Empty(await fixture.Operator.Webhooks.DeliveriesOfAsync(tenant, next.Id));
        Assert.Single(receiver.Received);
    }

    [Fact]
    public async Task A_receiver_that_is_down_while_the_gateway_restarts_gets_the_event_afterwards()
    {
        var port = WebhookReceiver.FreePort();
        var tenant = NewTenant();
        var (_, _, secret) = await SubscribeAsync(tenant, $"http://127.0.0.1:{port}/hook");
        var job = SampleJobs.Completed(tenant);

        await fixture.Operator.Jobs.ArchiveAsync(job);
        await Wait.UntilAsync(async () => (await fixture.Operator.Webhooks.DeliveriesOfAsync(tenant, job.Id)).Single().AttemptCount >= 2,
            "two refused attempts");
        await Harness.RestartGatewayAsync();
        await WebhookGatewayFixture.WaitMigratedAsync(Harness.Gateway.Services);
        await using var receiver = await WebhookReceiver.StartAsync((_, _) => 200, port);

        var delivery = await DeliveredAsync(tenant, job.Id);
        Assert.Equal(WebhookDeliveryStates.Delivered, delivery.State);
        Assert.True(delivery.Attempts.Count >= 3);
        Assert.All(delivery.Attempts.SkipLast(1), a => Assert.Null(a.Status));
        var received = Assert.Single(receiver.Received);
        Assert.Equal(delivery.Id, received.Id);
        AssertSignedBody(received, secret, job, WebhookEvents.JobCompleted);
    }

    [Fact]
    public async Task Two_gateways_on_one_database_deliver_every_event_once_and_never_one_event_twice_at_once()
    {
        await using var receiver = await WebhookReceiver.StartAsync((_, _) => 200, delay: TimeSpan.FromMilliseconds(20));
        var tenant = NewTenant();
        var (_, _, secret) = await SubscribeAsync(tenant, receiver.Url);
        await using var second = await GatewayApp.StartAsync(Harness.Options);
        await WebhookGatewayFixture.WaitMigratedAsync(second.Services);
        var jobs = Enumerable.Range(0, 40).Select(_ => SampleJobs.Completed(tenant)).ToList();

        await fixture.Operator.Jobs.ArchiveAsync(jobs);
        foreach (var job in jobs) await DeliveredAsync(tenant, job.Id);

        Assert.Equal(jobs.Count, receiver.Received.Count);
        Assert.Equal(jobs.Count, receiver.Received.Select(r => r.Id).Distinct().Count());
        Assert.Equal(1, receiver.MaxActiveForOneId);
        var ids = receiver.Received.Select(r => JsonDocument.Parse(r.Body).RootElement.GetProperty("data").GetProperty("id").GetString()).ToHashSet();
        Assert.True(jobs.All(j => ids.Contains(j.Id)));
        Assert.All(receiver.Received, r => Assert.True(WebhookReceiver.Verify(r, secret)));
    }

    [Fact]
    public async Task A_dispatch_callback_url_is_validated_kept_in_the_spec_and_gets_the_event_signed_with_the_tenant_callback_secret()
    {
        await using var receiver = await WebhookReceiver.StartAsync((_, _) => 200);
        var tenant = NewTenant();
        var key = await Harness.CreateKeyAsync(tenant);
        var refused = await Harness.PostAsync("/api/ai-jobs", key, new
        {
            type = JobTypes.PricingRecalculate, @params = new { skus = new[] { "SKU-001" }, marketplace = "amazon_us" },
            callback_url = "http://10.0.0.5/hook",
        });
        Assert.Equal(422, refused.Status);
        Assert.Equal("INVALID_CALLBACK_URL", refused.ErrorCode);

        var dispatched = await Harness.PostAsync("/api/ai-jobs", key, new
        {
            type = JobTypes.PricingRecalculate, @params = new { skus = new[] { "SKU-001" }, marketplace = "amazon_us" },
            callback_url = receiver.Url,
        });
        Assert.True(dispatched.Status == 202, dispatched.Text);
        var id = dispatched.Data.GetProperty("id").GetString()!;
        var aiJob = await Harness.ReadJobAsync(GatewayHarness.NameOf(id));
        Assert.Equal(receiver.Url, aiJob.Spec.CallbackUrl);

        // The operator's part: the job finishes and is archived.
        aiJob.Status = new AiJobStatus
        {
            Phase = JobPhases.Completed, StartedAt = DateTime.UtcNow.AddSeconds(-3), CompletedAt = DateTime.UtcNow, Attempts = 1,
            Result = SampleJobs.Json("""{"processed_count":1}"""),
        };
        var archived = ArchivedJob.FromAiJob(aiJob);
        Assert.Equal(receiver.Url, archived.CallbackUrl);
        await fixture.Operator.Jobs.ArchiveAsync(archived);
        var delivery = await DeliveredAsync(tenant, id);

        var secret = await Harness.GetAsync("/api/webhooks/callback-secret", key);
        var received = Assert.Single(receiver.Received);
        AssertSignedBody(received, secret.Data.GetProperty("secret").GetString()!, archived, WebhookEvents.JobCompleted);
        var listed = await Harness.GetAsync("/api/webhooks/callback-deliveries", key);
        Assert.Equal(delivery.Id, Assert.Single(listed.Data.EnumerateArray()).GetProperty("id").GetString());
    }
}
