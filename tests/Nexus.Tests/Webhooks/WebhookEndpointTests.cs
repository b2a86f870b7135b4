using Nexus.Shared.History;
using Nexus.Tests.Gateway;

namespace Nexus.Tests.Webhooks;

/// <summary>The webhook REST endpoints: shapes, the secret shown once, scopes, tenant isolation, validation codes.</summary>
public sealed class WebhookEndpointTests(WebhookGatewayFixture fixture) : IClassFixture<WebhookGatewayFixture>
{
    private GatewayHarness Harness => fixture.Harness;

    [Fact]
    public async Task Create_answers_201_with_the_secret_once_then_reads_list_and_delete_without_it()
    {
        var tenant = GatewayFixture.NewTenant();
        var key = await Harness.CreateKeyAsync(tenant);
        var created = await Harness.PostAsync("/api/webhooks", key,
            new { url = "https://hooks.example.com/nexus", events = new[] { "job.completed", "batch.finished", "job.completed" } });
        Assert.Equal(201, created.Status);
        var id = created.Data.GetProperty("id").GetString()!;
        Assert.Matches("^wh_[0-9A-Z]{26}$", id);
        Assert.Equal($"/api/webhooks/{id}", created.Message.Headers.Location!.OriginalString);
        Assert.Equal("https://hooks.example.com/nexus", created.Data.GetProperty("url").GetString());
        Assert.Equal(["job.completed", "batch.finished"], created.Data.GetProperty("events").EnumerateArray().Select(e => e.GetString()));
        var secret = created.Data.GetProperty("secret").GetString()!;
        Assert.StartsWith("whsec_", secret);
        Assert.Equal(32, Convert.FromBase64String(secret["whsec_".Length..]).Length);

        var one = await Harness.GetAsync($"/api/webhooks/{id}", key);
        Assert.Equal(200, one.Status);
        Assert.False(one.Data.TryGetProperty("secret", out _));
        Assert.Equal("enabled", one.Data.GetProperty("status").GetString());
        var all = await Harness.GetAsync("/api/webhooks", key);
        Assert.Equal(id, Assert.Single(all.Data.EnumerateArray()).GetProperty("id").GetString());
        Assert.DoesNotContain("whsec_", all.Text);

        Assert.Equal(204, (await Harness.DeleteAsync($"/api/webhooks/{id}", key)).Status);
        Assert.Equal("WEBHOOK_NOT_FOUND", (await Harness.GetAsync($"/api/webhooks/{id}", key)).ErrorCode);
        Assert.Equal(404, (await Harness.DeleteAsync($"/api/webhooks/{id}", key)).Status);
    }

    [Fact]
    public async Task Another_tenant_sees_404_and_a_read_only_key_is_refused()
    {
        var owner = await Harness.CreateKeyAsync("ta" + GatewayFixture.NewTenant());
        var created = await Harness.PostAsync("/api/webhooks", owner, new { url = "https://hooks.example.com/a", events = new[] { "job.failed" } });
        var id = created.Data.GetProperty("id").GetString()!;
        var stranger = await Harness.CreateKeyAsync(GatewayFixture.NewTenant());
        foreach (var path in new[] { $"/api/webhooks/{id}", $"/api/webhooks/{id}/deliveries" })
        {
            var read = await Harness.GetAsync(path, stranger);
            Assert.Equal(404, read.Status);
            Assert.Equal("WEBHOOK_NOT_FOUND", read.ErrorCode);
        }
        Assert.Equal(404, (await Harness.DeleteAsync($"/api/webhooks/{id}", stranger)).Status);
        Assert.Empty((await Harness.GetAsync("/api/webhooks", stranger)).Data.EnumerateArray());
        Assert.Equal(200, (await Harness.GetAsync($"/api/webhooks/{id}", owner)).Status);

        var reader = await Harness.CreateKeyAsync(GatewayFixture.NewTenant(), "ai-jobs:read");
        var refused = await Harness.GetAsync("/api/webhooks", reader);
        Assert.Equal(403, refused.Status);
        Assert.Equal("INSUFFICIENT_SCOPE", refused.ErrorCode);
    }

    [Theory]
    [InlineData("""{"url": "http://hooks.example.com/x", "events": ["job.completed"]}""", "INVALID_WEBHOOK_URL", "url")]
    [InlineData("""{"url": "https://192.168.0.10/x", "events": ["job.completed"]}""", "INVALID_WEBHOOK_URL", "url")]
    [InlineData("""{"events": ["job.completed"]}""", "INVALID_WEBHOOK_URL", "url")]
    [InlineData("""{"url": "https://hooks.example.com/x", "events": []}""", "INVALID_WEBHOOK_EVENTS", "events")]
    [InlineData("""{"url": "https://hooks.example.com/x", "events": ["job.started"]}""", "INVALID_WEBHOOK_EVENTS", "events[0]")]
    [InlineData("""{"url": "https://hooks.example.com/x", "events": ["job.completed"], "secret": "x"}""", "INVALID_REQUEST", "secret")]
    [InlineData("""[1]""", "INVALID_REQUEST", "body")]
    public async Task Bad_bodies_answer_422_with_the_code_and_the_field(string body, string code, string field)
    {
        var key = await Harness.CreateKeyAsync(GatewayFixture.NewTenant());
        var answer = await Harness.PostAsync("/api/webhooks", key, body);
        Assert.Equal(422, answer.Status);
        Assert.Equal(code, answer.ErrorCode);
        Assert.Contains(answer.Json.GetProperty("error").GetProperty("details").EnumerateArray(), d => d.GetProperty("field").GetString() == field);
    }

    [Fact]
    public async Task Deliveries_page_with_a_cursor_and_bad_queries_are_400()
    {
        var tenant = GatewayFixture.NewTenant();
        var key = await Harness.CreateKeyAsync(tenant);
        // An unreachable public address the sender will keep retrying: the rows stay put while they are listed.
        var created = await Harness.PostAsync("/api/webhooks", key, new { url = "https://hooks.example.invalid/x", events = new[] { "job.completed" } });
        var id = created.Data.GetProperty("id").GetString()!;
        var jobs = Enumerable.Range(0, 3).Select(_ => History.SampleJobs.Completed(tenant)).ToList();
        await fixture.Operator.Jobs.ArchiveAsync(jobs);

        var first = await Harness.GetAsync($"/api/webhooks/{id}/deliveries?limit=2", key);
        Assert.Equal(2, first.Data.GetArrayLength());
        var pagination = first.Json.GetProperty("pagination");
        Assert.True(pagination.GetProperty("has_more").GetBoolean());
        var second = await Harness.GetAsync($"/api/webhooks/{id}/deliveries?limit=2&cursor={pagination.GetProperty("next_cursor").GetString()}", key);
        Assert.Equal(1, second.Data.GetArrayLength());
        Assert.False(second.Json.GetProperty("pagination").GetProperty("has_more").GetBoolean());
        var all = first.Data.EnumerateArray().Concat(second.Data.EnumerateArray()).Select(d => d.GetProperty("resource_id").GetString()).ToHashSet();
        Assert.True(jobs.All(j => all.Contains(j.Id)));

        Assert.Equal("INVALID_QUERY", (await Harness.GetAsync($"/api/webhooks/{id}/deliveries?limit=0", key)).ErrorCode);
        Assert.Equal("INVALID_QUERY", (await Harness.GetAsync($"/api/webhooks/{id}/deliveries?cursor=zz", key)).ErrorCode);
        Assert.Equal("INVALID_QUERY", (await Harness.GetAsync($"/api/webhooks/{id}/deliveries?page=2", key)).ErrorCode);
    }
}
