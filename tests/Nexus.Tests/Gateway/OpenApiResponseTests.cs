using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;
using Nexus.Crds.Entities;
using Nexus.Tests.Support;

namespace Nexus.Tests.Gateway;

/// <summary>
/// Real answers of every endpoint, errors included, validate (JsonSchema.Net) against the schema the served
/// OpenAPI document gives for that operation and status, and every status seen is one the document lists.
/// </summary>
public sealed class OpenApiResponseTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private GatewayHarness H => fixture.Harness;
    private readonly HashSet<string> _checked = [];

    [Fact]
    public async Task Every_endpoints_answers_validate_against_the_document()
    {
        var document = JsonNode.Parse((await H.GetAsync("/openapi/v1.json", null)).Text)!.AsObject();
        var tenant = GatewayFixture.NewTenant();
        var key = await H.CreateKeyAsync(tenant);
        var readOnly = await H.CreateKeyAsync(tenant, "ai-jobs:read");
        var twoTenants = await H.CreateKeyAsync($"{tenant},{GatewayFixture.NewTenant()}");
        async Task Check(string path, string method, Response response) => await Task.Run(() => Validate(document, path, method, response));

        // Dispatch: the reference's body, then every refusal.
        var dispatched = await H.PostAsync("/api/ai-jobs", key, GatewayHarness.PricingBody());
        await Check("/api/ai-jobs", "post", dispatched);
        var id = dispatched.Data.GetProperty("id").GetString()!;
        await Check("/api/ai-jobs", "post", await H.PostAsync("/api/ai-jobs", key, new { type = "pricing_recalculate", @params = new { skus = new[] { "has space" }, max_change = 9 } }));
        await Check("/api/ai-jobs", "post", await H.PostAsync("/api/ai-jobs", key, new { type = "teleport" }));
        await Check("/api/ai-jobs", "post", await H.PostAsync("/api/ai-jobs", key, new { type = "competitor_scan", priority = "urgent" }));
        await Check("/api/ai-jobs", "post", await H.PostAsync("/api/ai-jobs", key, "{\"type\":"));
        await Check("/api/ai-jobs", "post", await H.PostAsync("/api/ai-jobs", null, GatewayHarness.PricingBody()));
        await Check("/api/ai-jobs", "post", await H.PostAsync("/api/ai-jobs", readOnly, GatewayHarness.PricingBody()));
        await Check("/api/ai-jobs", "post", await H.PostAsync("/api/ai-jobs", twoTenants, GatewayHarness.PricingBody()));
        await Check("/api/ai-jobs", "post", await H.PostAsync("/api/ai-jobs", key, GatewayHarness.PricingBody(), tenant: "someone-else"));
        await Check("/api/ai-jobs", "post", await H.PostAsync("/api/ai-jobs", key, GatewayHarness.PricingBody(), headers: new Dictionary<string, string> { ["Idempotency-Key"] = "" }));
        foreach (var path in new[] { "/api/ai-jobs", "/api/ai-jobs/batch", "/api/webhooks" })
        {
            await Check(path, "post", await H.PostAsync(path, key, "{\"pad\":\"" + new string('x', 1024 * 1024) + "\"}"));
            using var form = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent("type=x", Encoding.UTF8, "application/x-www-form-urlencoded") };
            form.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
            using var answer = await H.Http.SendAsync(form);
            await Check(path, "post", new Response(answer, await answer.Content.ReadAsStringAsync()));
        }
        var idem = new Dictionary<string, string> { ["Idempotency-Key"] = "k-" + tenant };
        await Check("/api/ai-jobs", "post", await H.PostAsync("/api/ai-jobs", key, GatewayHarness.PricingBody(), headers: idem));
        await Check("/api/ai-jobs", "post", await H.PostAsync("/api/ai-jobs", key, GatewayHarness.PricingBody(priority: "high"), headers: idem));

        // Read: queued, completed with a result, failed with an error; long-poll; unknown ids and bad waits.
        await Check("/api/ai-jobs/{jobId}", "get", await H.GetAsync($"/api/ai-jobs/{id}", key));
        await Check("/api/ai-jobs/{jobId}", "get", await H.GetAsync($"/api/ai-jobs/{id}?wait=1", key));
        await Check("/api/ai-jobs/{jobId}", "get", await H.GetAsync($"/api/ai-jobs/{id}?wait=abc", key));
        await Check("/api/ai-jobs/{jobId}", "get", await H.GetAsync("/api/ai-jobs/job_01HXK9MZPQ3B8C7D2E5F6G", key));
        await Check("/api/ai-jobs/{jobId}", "get", await H.GetAsync($"/api/ai-jobs/{id}", null));
        var completed = await H.DispatchAsync(key);
        await H.WriteStatusAsync(await H.ReadJobAsync(GatewayHarness.NameOf(completed)), new AiJobStatus
        {
            Phase = JobPhases.Completed, Attempts = 1,
            StartedAt = new DateTime(2026, 3, 12, 14, 32, 5, DateTimeKind.Utc), CompletedAt = new DateTime(2026, 3, 12, 14, 32, 32, DateTimeKind.Utc),
            Result = JsonDocument.Parse("""{"processed_count":2,"updated_count":1,"recommendations":[{"sku":"SKU-001","applied":false}]}""").RootElement.Clone(),
        });
        var failed = await H.DispatchAsync(key);
        await H.WriteStatusAsync(await H.ReadJobAsync(GatewayHarness.NameOf(failed)), new AiJobStatus
        {
            Phase = JobPhases.Failed, Attempts = 3,
            Error = new AiJobError { Code = "WORKER_TIMEOUT", Message = "Worker did not respond within the timeout window", RetryCount = 2 },
        });
        foreach (var (job, status) in new[] { (completed, "completed"), (failed, "failed") })
        {
            Response read = null!;
            await Wait.UntilAsync(async () => (read = await H.GetAsync($"/api/ai-jobs/{job}", key)).Data.GetProperty("status").GetString() == status, $"the job is {status}");
            await Check("/api/ai-jobs/{jobId}", "get", read);
        }

        // List: a page with a cursor, the next page, bad queries.
        var page = await H.GetAsync("/api/ai-jobs?limit=1", key);
        await Check("/api/ai-jobs", "get", page);
        await Check("/api/ai-jobs", "get", await H.GetAsync($"/api/ai-jobs?limit=2&status=queued&type=pricing_recalculate&cursor={page.Json.GetProperty("pagination").GetProperty("next_cursor").GetString()}", key));
        await Check("/api/ai-jobs", "get", await H.GetAsync("/api/ai-jobs?limit=0", key));
        await Check("/api/ai-jobs", "get", await H.GetAsync("/api/ai-jobs?type=teleport", key));
        await Check("/api/ai-jobs", "get", await H.GetAsync("/api/ai-jobs", readOnly, tenant: "someone-else"));

        // Event streams: open ones (their headers: the stream itself is text), a finished job's stream resumed after its
        // last event (204), refusals.
        async Task CheckStream(string path, string concrete, string? caller, string? lastEventId = null)
        {
            var (stream, refusal) = await Events.SseClient.OpenAsync(H.Http, concrete, caller, lastEventId: lastEventId);
            if (stream is null)
            {
                await Check(path, "get", refusal!);
                return;
            }
            await using (stream) await Check(path, "get", new Response(stream.Response, ""));
        }
        await CheckStream("/api/ai-jobs/events", "/api/ai-jobs/events?type=pricing_recalculate&status=queued", key);
        await CheckStream("/api/ai-jobs/events", "/api/ai-jobs/events", key, lastEventId: "not-an-id!");
        await CheckStream("/api/ai-jobs/events", "/api/ai-jobs/events?type=teleport", key);
        await CheckStream("/api/ai-jobs/{jobId}/events", $"/api/ai-jobs/{id}/events", readOnly);
        await CheckStream("/api/ai-jobs/{jobId}/events", $"/api/ai-jobs/{id}/events?last_event_id=12", key);
        await CheckStream("/api/ai-jobs/{jobId}/events", "/api/ai-jobs/job_01HXK9MZPQ3B8C7D2E5F6G/events", key);
        await using (var finished = await Events.SseClient.OpenOkAsync(H.Http, $"/api/ai-jobs/{completed}/events", key))
        {
            var last = await finished.NextEventAsync();
            await CheckStream("/api/ai-jobs/{jobId}/events", $"/api/ai-jobs/{completed}/events", key, lastEventId: last!.Id);
        }

        // Cancel: a queued job, a finished one, an unknown one, without the write scope.
        await Check("/api/ai-jobs/{jobId}", "delete", await H.DeleteAsync($"/api/ai-jobs/{id}", key));
        await Check("/api/ai-jobs/{jobId}", "delete", await H.DeleteAsync($"/api/ai-jobs/{completed}", key));
        await Check("/api/ai-jobs/{jobId}", "delete", await H.DeleteAsync("/api/ai-jobs/job_01HXK9MZPQ3B8C7D2E5F6G", key));
        await Check("/api/ai-jobs/{jobId}", "delete", await H.DeleteAsync($"/api/ai-jobs/{failed}", readOnly));

        // Retry: a failed job, a completed one, an unknown one, a bad Idempotency-Key, one reused for another job.
        var retryKey = new Dictionary<string, string> { ["Idempotency-Key"] = "retry-" + Guid.NewGuid().ToString("N") };
        await Check("/api/ai-jobs/{jobId}/retry", "post", await H.PostAsync($"/api/ai-jobs/{failed}/retry", key, "", headers: retryKey));
        var failedToo = await H.DispatchAsync(key);
        await H.WriteStatusAsync(await H.ReadJobAsync(GatewayHarness.NameOf(failedToo)), new AiJobStatus { Phase = JobPhases.Cancelled });
        await Wait.UntilAsync(async () => (await H.GetAsync($"/api/ai-jobs/{failedToo}", key)).Data.GetProperty("status").GetString() == "cancelled", "the job is cancelled");
        await Check("/api/ai-jobs/{jobId}/retry", "post", await H.PostAsync($"/api/ai-jobs/{failedToo}/retry", key, "", headers: retryKey));
        await Check("/api/ai-jobs/{jobId}/retry", "post", await H.PostAsync($"/api/ai-jobs/{completed}/retry", key, ""));
        await Check("/api/ai-jobs/{jobId}/retry", "post", await H.PostAsync("/api/ai-jobs/job_01HXK9MZPQ3B8C7D2E5F6G/retry", key, ""));
        await Check("/api/ai-jobs/{jobId}/retry", "post", await H.PostAsync($"/api/ai-jobs/{failed}/retry", key, "", headers: new Dictionary<string, string> { ["Idempotency-Key"] = "" }));

        // Batches: the reference's batch, its view, refusals.
        var batch = await H.PostAsync("/api/ai-jobs/batch", key, JsonNode.Parse("""
            {"jobs": [{"type": "competitor_scan", "params": {"skus": ["SKU-001"], "marketplace": "amazon_us"}},
                      {"type": "pricing_recalculate", "params": {"skus": ["SKU-001"], "marketplace": "amazon_us", "apply": true}}],
             "sequential": true}
            """)!.ToJsonString());
        await Check("/api/ai-jobs/batch", "post", batch);
        await Check("/api/ai-jobs/batch", "post", await H.PostAsync("/api/ai-jobs/batch", key, new { jobs = Enumerable.Repeat(new { type = "competitor_scan" }, 21) }));
        await Check("/api/ai-jobs/batch", "post", await H.PostAsync("/api/ai-jobs/batch", key, new { jobs = Array.Empty<object>() }));
        await Check("/api/ai-jobs/batch", "post", await H.PostAsync("/api/ai-jobs/batch", key, new { jobs = new object[] { new { type = "competitor_scan", @params = new { skus = new[] { "x y" } } } } }));
        var batchId = batch.Data.GetProperty("batch_id").GetString()!;
        Response batchView = null!;
        await Wait.UntilAsync(async () => (batchView = await H.GetAsync($"/api/ai-jobs/batch/{batchId}", key)).Status == 200, "the batch is readable");
        await Check("/api/ai-jobs/batch/{batchId}", "get", batchView);
        await Check("/api/ai-jobs/batch/{batchId}", "get", await H.GetAsync("/api/ai-jobs/batch/batch_01HXK9MZPQ3B8C7D2E5F6G", key));

        // Webhooks: a subscription, its reads, its deliveries, its deletion; every refusal.
        var hook = await H.PostAsync("/api/webhooks", key, new { url = "https://hooks.example.com/nexus", events = new[] { "job.completed" } });
        await Check("/api/webhooks", "post", hook);
        var hookId = hook.Data.GetProperty("id").GetString()!;
        await Check("/api/webhooks", "post", await H.PostAsync("/api/webhooks", key, "{\"url\":"));
        await Check("/api/webhooks", "post", await H.PostAsync("/api/webhooks", key, new { url = "http://hooks.example.com/x", events = new[] { "job.completed" } }));
        await Check("/api/webhooks", "post", await H.PostAsync("/api/webhooks", key, new { url = "https://hooks.example.com/x", events = new[] { "job.started" } }));
        await Check("/api/webhooks", "get", await H.GetAsync("/api/webhooks", key));
        await Check("/api/webhooks/{webhookId}", "get", await H.GetAsync($"/api/webhooks/{hookId}", key));
        await Check("/api/webhooks/{webhookId}", "get", await H.GetAsync("/api/webhooks/wh_unknown", key));
        await Check("/api/webhooks/{webhookId}/deliveries", "get", await H.GetAsync($"/api/webhooks/{hookId}/deliveries?limit=5", key));
        await Check("/api/webhooks/{webhookId}/deliveries", "get", await H.GetAsync($"/api/webhooks/{hookId}/deliveries?limit=0", key));
        await Check("/api/webhooks/{webhookId}/deliveries", "get", await H.GetAsync("/api/webhooks/wh_unknown/deliveries", key));
        await Check("/api/webhooks/callback-deliveries", "get", await H.GetAsync("/api/webhooks/callback-deliveries", key));
        await Check("/api/webhooks/callback-deliveries", "get", await H.GetAsync("/api/webhooks/callback-deliveries?page=2", key));
        await Check("/api/webhooks/callback-secret", "get", await H.GetAsync("/api/webhooks/callback-secret", key));
        await Check("/api/webhooks/{webhookId}", "delete", await H.DeleteAsync($"/api/webhooks/{hookId}", key));
        await Check("/api/webhooks/{webhookId}", "delete", await H.DeleteAsync($"/api/webhooks/{hookId}", key));
        await Check("/api/webhooks/{webhookId}", "delete", await H.DeleteAsync($"/api/webhooks/{hookId}", readOnly));
        var crowded = await H.CreateKeyAsync(GatewayFixture.NewTenant());
        Response tooMany;
        var made = 0;
        while ((tooMany = await H.PostAsync("/api/webhooks", crowded, new { url = $"https://hooks.example.com/{made}", events = new[] { "job.failed" } })).Status == 201)
            Assert.True(++made <= H.Options.MaxWebhooksPerTenant, "the webhook limit is enforced");
        Assert.Equal(made, H.Options.MaxWebhooksPerTenant);
        await Check("/api/webhooks", "post", tooMany);

        // Operations.
        await Check("/healthz", "get", await H.GetAsync("/healthz", null));
        await Check("/readyz", "get", await H.GetAsync("/readyz", null));
        await Check("/metrics", "get", await H.GetAsync("/metrics", null));

        // Authentication's answers, on every operation behind a key: none, several tenants without X-Tenant-ID, a tenant not the key's.
        foreach (var (path, item) in document["paths"]!.AsObject())
            foreach (var (method, operation) in item!.AsObject())
            {
                if (operation!["security"]!.AsArray().Count == 0) continue;
                var concrete = path.Replace("{jobId}", id, StringComparison.Ordinal).Replace("{batchId}", batchId, StringComparison.Ordinal)
                    .Replace("{webhookId}", hookId, StringComparison.Ordinal);
                object? body = method != "post" ? null
                    : path.EndsWith("/batch", StringComparison.Ordinal) ? new { jobs = new[] { new { type = "competitor_scan" } } }
                    : path.EndsWith("/webhooks", StringComparison.Ordinal) ? new { url = "https://hooks.example.com/nexus", events = new[] { "job.completed" } }
                    : GatewayHarness.PricingBody();
                foreach (var (caller, asTenant) in new[] { ((string?)null, (string?)null), (twoTenants, null), (key, "someone-else") })
                    await Check(path, method, await H.SendAsync(new HttpMethod(method.ToUpperInvariant()), concrete, caller, body, asTenant));
            }

        // Every operation and every status each one documents is exercised (429 and 5xx have their own tests).
        foreach (var (path, item) in document["paths"]!.AsObject())
            foreach (var (method, operation) in item!.AsObject())
                foreach (var (status, _) in operation!["responses"]!.AsObject())
                {
                    if (status is "429" or "500" or "503") continue;
                    Assert.True(_checked.Contains($"{method} {path} {status}"), $"{method} {path} {status} is documented but was not exercised");
                }
    }

    [Fact]
    public async Task A_full_queue_answer_validates_against_the_document()
    {
        await using var h = await GatewayHarness.StartAsync(o => o with { MaxQueuedJobsPerTenant = 1 });
        var document = JsonNode.Parse((await h.GetAsync("/openapi/v1.json", null)).Text)!.AsObject();
        var key = await h.CreateKeyAsync(GatewayFixture.NewTenant());
        await h.DispatchAsync(key);
        var full = await h.PostAsync("/api/ai-jobs", key, GatewayHarness.PricingBody());
        Assert.Equal(429, full.Status);
        Validate(document, "/api/ai-jobs", "post", full);
        var batch = await h.PostAsync("/api/ai-jobs/batch", key, new { jobs = new[] { new { type = "competitor_scan" } } });
        Assert.Equal(429, batch.Status);
        Validate(document, "/api/ai-jobs/batch", "post", batch);
    }

    private void Validate(JsonObject document, string path, string method, Response response)
    {
        var status = response.Status.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var operation = document["paths"]![path]![method]!;
        var documented = operation["responses"]![status];
        Assert.True(documented is not null, $"{method} {path} answered {status}, which the document does not list: {response.Text}");
        _checked.Add($"{method} {path} {status}");
        var media = documented!["content"]?.AsObject();
        if (media is null)
        {
            Assert.True(response.Text.Length == 0, $"{method} {path} {status} has no documented body but answered {response.Text}");
            return;
        }
        var contentType = response.Message.Content.Headers.ContentType?.MediaType;
        Assert.True(contentType is not null && media.ContainsKey(contentType), $"{method} {path} {status}: content type {contentType} is not documented");
        if (contentType != "application/json") return;

        foreach (var (name, _) in documented["headers"]?.AsObject() ?? [])
            if (name is "Retry-After" or "Location") Assert.True(response.Message.Headers.Contains(name), $"{method} {path} {status} lacks its {name} header");

        var schema = SchemaFor(document, media[contentType]!["schema"]!);
        using var body = JsonDocument.Parse(response.Text);
        var results = schema.Evaluate(body.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List, RequireFormatValidation = true });
        Assert.True(results.IsValid, $"{method} {path} {status} does not match the document: {response.Text}\n"
                                     + string.Join("\n", (results.Details ?? []).Where(d => d.Errors is { Count: > 0 })
                                         .Select(d => $"{d.InstanceLocation}: {string.Join("; ", d.Errors!.Select(e => $"{e.Key} {e.Value}"))}")));
    }

    /// <summary>A response schema with the document's component schemas beside it, its references pointed at them.</summary>
    private static JsonSchema SchemaFor(JsonObject document, JsonNode responseSchema)
    {
        var wrapper = new JsonObject
        {
            ["$schema"] = "https://json-schema.org/draft/2020-12/schema",
            ["$defs"] = document["components"]!["schemas"]!.DeepClone(),
            ["allOf"] = new JsonArray(responseSchema.DeepClone()),
        };
        var text = wrapper.ToJsonString().Replace("#/components/schemas/", "#/$defs/", StringComparison.Ordinal);
        return JsonSchema.FromText(text, new BuildOptions { SchemaRegistry = new SchemaRegistry() }, new Uri("urn:nexus:openapi:" + Guid.NewGuid().ToString("N")));
    }
}
