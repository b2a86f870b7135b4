using Microsoft.Extensions.DependencyInjection;
using k8s;
using System.Net.Http.Headers;
using System.Text;
using Nexus.Tests.Support;

namespace Nexus.Tests.Gateway;

public class ErrorAndAuthTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private GatewayHarness H => fixture.Harness;

    private static void AssertError(Response response, int status, string code)
    {
        Assert.True(status == response.Status, $"expected {status} {code}, got {response.Status}: {response.Text}");
        var error = response.Json.GetProperty("error");
        Assert.Equal(code, error.GetProperty("code").GetString());
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("message").GetString()));
    }

    [Fact]
    public async Task Every_validation_error_uses_the_spec_codes()
    {
        var key = await H.CreateKeyAsync(GatewayFixture.NewTenant());
        AssertError(await H.PostAsync("/api/ai-jobs", key, new { type = "teleport", @params = new { } }), 422, "INVALID_JOB_TYPE");
        AssertError(await H.PostAsync("/api/ai-jobs", key, GatewayHarness.PricingBody(priority: "urgent")), 422, "INVALID_PRIORITY");
        var invalid = await H.PostAsync("/api/ai-jobs", key, new { type = "pricing_recalculate", @params = new { skus = Array.Empty<string>(), marketplace = "Nowhere!" } });
        AssertError(invalid, 422, "INVALID_PARAMS");
        var fields = invalid.Json.GetProperty("error").GetProperty("details").EnumerateArray().Select(d => d.GetProperty("field").GetString()).ToList();
        Assert.Contains("params.skus", fields);
        Assert.Contains("params.marketplace", fields);
        AssertError(await H.PostAsync("/api/ai-jobs", key, "{\"type\": \"pricing_recalculate\", "), 400, "INVALID_JSON");
        AssertError(await H.PostAsync("/api/ai-jobs", key, ""), 400, "INVALID_JSON");
        var jobs = Enumerable.Repeat(new { type = "competitor_scan", @params = new { skus = new[] { "A" }, marketplace = "amazon_us" } }, 21);
        AssertError(await H.PostAsync("/api/ai-jobs/batch", key, new { jobs }), 422, "BATCH_TOO_LARGE");
    }

    [Fact]
    public async Task A_body_over_one_mebibyte_is_413_whether_or_not_its_length_is_announced()
    {
        var key = await H.CreateKeyAsync(GatewayFixture.NewTenant());
        var big = "{\"type\":\"pricing_recalculate\",\"params\":{\"pad\":\"" + new string('x', 1024 * 1024) + "\"}}";
        AssertError(await H.PostAsync("/api/ai-jobs", key, big), 413, "PAYLOAD_TOO_LARGE");

        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/ai-jobs");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        request.Content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(big)));
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.TransferEncodingChunked = true;
        using var chunked = await H.Http.SendAsync(request);
        AssertError(new Response(chunked, await chunked.Content.ReadAsStringAsync()), 413, "PAYLOAD_TOO_LARGE");
    }

    [Fact]
    public async Task Unknown_routes_and_wrong_methods_answer_in_the_error_envelope()
    {
        var key = await H.CreateKeyAsync(GatewayFixture.NewTenant());
        AssertError(await H.GetAsync("/api/nothing-here", key), 404, "NOT_FOUND");
        AssertError(await H.SendAsync(HttpMethod.Put, "/api/ai-jobs/job_01ARZ3NDEKTSV4RRFFQ69G5FAV", key, new { }), 405, "METHOD_NOT_ALLOWED");
        AssertError(await H.SendAsync(HttpMethod.Patch, "/api/ai-jobs", key, new { }), 405, "METHOD_NOT_ALLOWED");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/ai-jobs")
        {
            Content = new StringContent("type=pricing", Encoding.UTF8, "application/x-www-form-urlencoded"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        using var form = await H.Http.SendAsync(request);
        AssertError(new Response(form, await form.Content.ReadAsStringAsync()), 415, "UNSUPPORTED_MEDIA_TYPE");
    }

    [Fact]
    public async Task No_hostile_input_makes_it_answer_500()
    {
        var key = await H.CreateKeyAsync(GatewayFixture.NewTenant());
        string[] bodies =
        [
            "null", "[]", "42", "\"text\"", "{}", "{\"type\":null}", "{\"type\":\"pricing_recalculate\",\"params\":\"null\"}",
            "{\"type\":\"pricing_recalculate\",\"params\":{\"skus\":[null],\"marketplace\":null}}",
            "{\"type\":\"pricing_recalculate\",\"params\":{\"skus\":[[\"a\"]],\"marketplace\":{}}}",
            new string('[', 5000) + new string(']', 5000), "{\"type\":\"\\ud800\"}", "{\"a\":1,\"a\":2}",
            "{\"jobs\":null}", "{\"jobs\":[null]}", "{\"jobs\":[[]],\"sequential\":null}",
        ];
        foreach (var body in bodies)
        {
            foreach (var path in new[] { "/api/ai-jobs", "/api/ai-jobs/batch" })
            {
                var response = await H.PostAsync(path, key, body);
                Assert.True(response.Status is >= 400 and < 500, $"{path} {body[..Math.Min(40, body.Length)]} → {response.Status} {response.Text}");
                Assert.NotNull(response.ErrorCode);
            }
        }
        foreach (var query in new[] { "?limit=999999999999", "?cursor=%00", "?start_date=2026-13-45", "?status=", "?limit=" })
        {
            var response = await H.GetAsync("/api/ai-jobs" + query, key);
            Assert.True(response.Status is >= 400 and < 500, $"{query} → {response.Status}");
        }
        foreach (var headers in new[] { new Dictionary<string, string> { ["Idempotency-Key"] = new string('k', 300) } })
        {
            var response = await H.PostAsync("/api/ai-jobs", key, GatewayHarness.PricingBody(), headers: headers);
            AssertError(response, 400, "INVALID_IDEMPOTENCY_KEY");
        }
    }

    [Fact]
    public async Task Keys_are_checked_for_presence_validity_and_scope()
    {
        var tenant = GatewayFixture.NewTenant();
        var reader = await H.CreateKeyAsync(tenant, "ai-jobs:read");
        var otherReader = await H.CreateKeyAsync(tenant, "reports:read");
        var writer = await H.CreateKeyAsync(tenant, "ai-jobs:write");

        var missing = await H.GetAsync("/api/ai-jobs", null);
        AssertError(missing, 401, "UNAUTHENTICATED");
        Assert.Equal("Bearer", missing.Message.Headers.WwwAuthenticate.Single().Scheme);
        AssertError(await H.GetAsync("/api/ai-jobs", "nxk_not-a-real-key"), 401, "UNAUTHENTICATED");

        AssertError(await H.PostAsync("/api/ai-jobs", reader, GatewayHarness.PricingBody()), 403, "INSUFFICIENT_SCOPE");
        AssertError(await H.PostAsync("/api/ai-jobs/batch", reader, new { jobs = new[] { GatewayHarness.PricingBody() } }), 403, "INSUFFICIENT_SCOPE");
        var id = await H.DispatchAsync(writer);
        AssertError(await H.DeleteAsync($"/api/ai-jobs/{id}", reader), 403, "INSUFFICIENT_SCOPE");
        AssertError(await H.GetAsync($"/api/ai-jobs/{id}", writer), 403, "INSUFFICIENT_SCOPE");
        Assert.Equal(200, (await H.GetAsync($"/api/ai-jobs/{id}", reader)).Status);
        Assert.Equal(200, (await H.GetAsync("/api/ai-jobs", otherReader)).Status);
    }

    [Fact]
    public async Task Tenants_never_see_each_others_jobs()
    {
        var (a, b) = (GatewayFixture.NewTenant(), GatewayFixture.NewTenant());
        var keyA = await H.CreateKeyAsync(a);
        var keyB = await H.CreateKeyAsync(b);
        var both = await H.CreateKeyAsync($"{a},{b}");
        var id = await H.DispatchAsync(keyA);

        AssertError(await H.GetAsync($"/api/ai-jobs/{id}", keyB), 404, "JOB_NOT_FOUND");
        AssertError(await H.DeleteAsync($"/api/ai-jobs/{id}", keyB), 404, "JOB_NOT_FOUND");
        Assert.Equal(0, (await H.GetAsync("/api/ai-jobs", keyB)).Data.GetArrayLength());
        Assert.Equal(1, (await H.GetAsync("/api/ai-jobs", keyA)).Data.GetArrayLength());

        AssertError(await H.GetAsync("/api/ai-jobs", both), 400, "TENANT_REQUIRED");
        AssertError(await H.GetAsync("/api/ai-jobs", keyA, tenant: b), 403, "TENANT_NOT_ALLOWED");
        Assert.Equal(200, (await H.GetAsync($"/api/ai-jobs/{id}", both, tenant: a)).Status);
        AssertError(await H.GetAsync($"/api/ai-jobs/{id}", both, tenant: b), 404, "JOB_NOT_FOUND");
        Assert.Equal(204, (await H.DeleteAsync($"/api/ai-jobs/{id}", keyA)).Status);
    }

    [Fact]
    public async Task A_revoked_key_stops_working_within_seconds()
    {
        var tenant = GatewayFixture.NewTenant();
        var key = await H.CreateKeyAsync(tenant, name: "revoke-me-" + tenant);
        Assert.Equal(200, (await H.GetAsync("/api/ai-jobs", key)).Status);
        await H.Client.CoreV1.DeleteNamespacedSecretAsync("revoke-me-" + tenant, GatewayHarness.Namespace);
        await Wait.UntilAsync(async () => (await H.GetAsync("/api/ai-jobs", key)).Status == 401, "the revoked key is refused",
            TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Probes_metrics_and_openapi_are_served()
    {
        Assert.Equal("ok", (await H.GetAsync("/healthz", null)).Json.GetProperty("status").GetString());
        Assert.Equal("ready", (await H.GetAsync("/readyz", null)).Json.GetProperty("status").GetString());

        // The series are published at zero when the gateway starts, so only their movement proves the counting.
        // No other test of this process dispatches listing_optimize at low priority or sends an unknown type.
        const string dispatched = "nexus_gateway_jobs_dispatched_total{type=\"listing_optimize\",priority=\"low\"}";
        const string rejected = "nexus_gateway_requests_rejected_total{code=\"INVALID_JOB_TYPE\"}";
        var key = await H.CreateKeyAsync(GatewayFixture.NewTenant());
        var before = (await H.GetAsync("/metrics", null)).Text;
        await H.DispatchAsync(key, priority: "low", type: "listing_optimize");
        Assert.Equal("INVALID_JOB_TYPE", (await H.PostAsync("/api/ai-jobs", key, new { type = "teleport" })).ErrorCode);
        var metrics = (await H.GetAsync("/metrics", null)).Text;
        Assert.Equal(SeriesValue(before, dispatched) + 1, SeriesValue(metrics, dispatched));
        Assert.Equal(SeriesValue(before, rejected) + 1, SeriesValue(metrics, rejected));
        // ASP.NET's request counter is shared with the gateways of other test classes running now: at least ours.
        Assert.True(AcceptedPosts(metrics) >= AcceptedPosts(before) + 1, "the HTTP request counter did not count the dispatch");
        Assert.DoesNotContain(key, metrics);
    }

    [Fact]
    public async Task Metrics_list_every_rejection_code_and_dispatch_series_before_any_happens()
    {
        // No in-process gateway test answers 500 or dispatches a high-priority llm_visibility_score job, so these
        // series exist only because the gateway publishes them when it starts.
        var metrics = (await H.GetAsync("/metrics", null)).Text;
        Assert.Contains("nexus_gateway_requests_rejected_total{code=\"INTERNAL_ERROR\"} 0", metrics);
        Assert.Contains("nexus_gateway_requests_rejected_total{code=\"QUEUE_FULL\"}", metrics);
        Assert.Matches("nexus_gateway_jobs_dispatched_total\\{type=\"llm_visibility_score\",priority=\"high\"\\} \\d+", metrics);
    }

    private static double AcceptedPosts(string exposition) => exposition.Split('\n')
        .Where(l => l.StartsWith("http_requests_received_total{", StringComparison.Ordinal) && l.Contains("code=\"202\"") && l.Contains("method=\"POST\""))
        .Sum(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>The value of one exposed series (name with its labels, as printed); 0 when absent and not required.</summary>
    private static double SeriesValue(string exposition, string series, bool required = true)
    {
        foreach (var line in exposition.Split('\n'))
            if (line.StartsWith(series + " ", StringComparison.Ordinal))
                return double.Parse(line[(series.Length + 1)..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.False(required, $"{series} is not exposed");
        return 0;
    }
}
