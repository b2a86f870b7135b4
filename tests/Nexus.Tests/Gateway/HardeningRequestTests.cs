using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Nexus.Tests.Support;

namespace Nexus.Tests.Gateway;

/// <summary>Request bodies are parsed once and strictly; media types, query parameters and dates are checked.</summary>
public class HardeningRequestTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private GatewayHarness H => fixture.Harness;

    private async Task<Response> PostBytesAsync(string path, string key, byte[] body, string contentType = "application/json")
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        using var response = await H.Http.SendAsync(request);
        return new Response(response, await response.Content.ReadAsStringAsync());
    }

    private static void AssertError(Response response, int status, string code, string? field = null)
    {
        Assert.True(response.Status == status && response.ErrorCode == code, $"expected {status} {code}, got {response.Status}: {response.Text}");
        if (field is null) return;
        var fields = response.Json.GetProperty("error").GetProperty("details").EnumerateArray().Select(d => d.GetProperty("field").GetString());
        Assert.Contains(field, fields);
    }

    private async Task AssertNothingStoredAsync(string key) => Assert.Equal(0, (await H.GetAsync("/api/ai-jobs", key)).Data.GetArrayLength());

    [Fact]
    public async Task Error_bodies_keep_the_documented_bounds_however_long_the_input_they_quote()
    {
        var key = await H.CreateKeyAsync(GatewayFixture.NewTenant());
        var longType = new string('x', 20_000);
        var unknown = await PostBytesAsync("/api/ai-jobs", key, JsonSerializer.SerializeToUtf8Bytes(new { type = longType }));
        AssertError(unknown, 422, "INVALID_JOB_TYPE");
        var message = unknown.Json.GetProperty("error").GetProperty("message").GetString()!;
        Assert.InRange(message.Length, 100, Nexus.Gateway.Api.ApiBounds.MessageMaxLength);
        Assert.EndsWith("...", message);

        // 300 bad SKUs: a field error each, of which the answer carries the first ApiBounds.MaxDetails.
        var skus = Enumerable.Range(0, 300).Select(i => $"-bad-{i}").ToArray();
        var invalid = await PostBytesAsync("/api/ai-jobs", key, JsonSerializer.SerializeToUtf8Bytes(new { type = "pricing_recalculate", @params = new { skus, marketplace = "amazon_us" } }));
        AssertError(invalid, 422, "INVALID_PARAMS", "params.skus[0]");
        Assert.Equal(Nexus.Gateway.Api.ApiBounds.MaxDetails, invalid.Json.GetProperty("error").GetProperty("details").GetArrayLength());
        await AssertNothingStoredAsync(key);
    }

    [Theory]
    [InlineData("""{"type":"pricing_recalculate","type":"competitor_scan","params":{"skus":["A"],"marketplace":"amazon_us"}}""", "type")]
    [InlineData("""{"type":"pricing_recalculate","params":{"skus":["A"],"marketplace":"amazon_us","marketplace":"nowhere"}}""", "params.marketplace")]
    [InlineData("""{"type":"pricing_recalculate","params":{"skus":["A"],"marketplace":"amazon_us","apply":false,"apply":true}}""", "params.apply")]
    [InlineData("""{"type":"pricing_recalculate","params":{"skus":["A"],"marketplace":"amazon_us"},"params":{"skus":["B"],"marketplace":"amazon_us"}}""", "params")]
    public async Task A_repeated_key_is_DUPLICATE_KEY_and_nothing_is_stored(string body, string field)
    {
        var key = await H.CreateKeyAsync(GatewayFixture.NewTenant());
        AssertError(await PostBytesAsync("/api/ai-jobs", key, Encoding.UTF8.GetBytes(body)), 400, "DUPLICATE_KEY", field);
        var batch = $"{{\"jobs\":[{body}]}}";
        AssertError(await PostBytesAsync("/api/ai-jobs/batch", key, Encoding.UTF8.GetBytes(batch)), 400, "DUPLICATE_KEY", "jobs[0]." + field);
        await AssertNothingStoredAsync(key);
    }

    [Fact]
    public async Task Text_that_is_not_unicode_is_INVALID_JSON()
    {
        var key = await H.CreateKeyAsync(GatewayFixture.NewTenant());
        byte[] prefix = Encoding.UTF8.GetBytes("{\"type\":\"pricing_recalculate\",\"params\":{\"skus\":[\"SKU");
        byte[] suffix = Encoding.UTF8.GetBytes("\"],\"marketplace\":\"amazon_us\"}}");
        foreach (var bad in new byte[][] { [0xFF], [0xC3], [0xED, 0xA0, 0x80], [0xC0, 0xAF] })
            AssertError(await PostBytesAsync("/api/ai-jobs", key, [.. prefix, .. bad, .. suffix]), 400, "INVALID_JSON");
        AssertError(await PostBytesAsync("/api/ai-jobs", key, Encoding.UTF8.GetBytes("{\"type\":\"pricing_recalculate\",\"params\":{\"skus\":[\"\\ud800\"]}}")),
            400, "INVALID_JSON");
        AssertError(await PostBytesAsync("/api/ai-jobs", key, Encoding.UTF8.GetBytes("{\"\\udc00\":1}")), 400, "INVALID_JSON");
        await AssertNothingStoredAsync(key);
    }

    [Theory]
    [InlineData("1e400")]
    [InlineData("-1e999")]
    [InlineData("1" + "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
                + "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
                + "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000")]
    public async Task A_number_no_double_holds_is_INVALID_JSON(string number)
    {
        var key = await H.CreateKeyAsync(GatewayFixture.NewTenant());
        var body = $"{{\"type\":\"pricing_recalculate\",\"params\":{{\"skus\":[\"A\"],\"marketplace\":\"amazon_us\",\"min_margin\":{number}}}}}";
        AssertError(await PostBytesAsync("/api/ai-jobs", key, Encoding.UTF8.GetBytes(body)), 400, "INVALID_JSON", "params.min_margin");
    }

    [Fact]
    public async Task What_was_validated_is_what_is_stored()
    {
        var key = await H.CreateKeyAsync(GatewayFixture.NewTenant());
        // Escapes, exponents and whitespace are JSON's business: the stored params read exactly as validation read them.
        var body = "{ \"type\" : \"pricing_recalculate\", \"params\" : { \"skus\" : [ \"SKU\\u002d001\", \"S\\u005f2\" ] ,"
                   + " \"marketplace\" : \"amazon\\u005fus\", \"min_margin\" : 1.5E-1 } }";
        var response = await PostBytesAsync("/api/ai-jobs", key, Encoding.UTF8.GetBytes(body));
        Assert.True(response.Status == 202, response.Text);
        var stored = (await H.ReadJobAsync(GatewayHarness.NameOf(response.Data.GetProperty("id").GetString()!))).Spec.Params!.Value;
        Assert.Equal(["SKU-001", "S_2"], stored.GetProperty("skus").EnumerateArray().Select(s => s.GetString()!).ToArray());
        Assert.Equal("amazon_us", stored.GetProperty("marketplace").GetString());
        Assert.Equal(0.15, stored.GetProperty("min_margin").GetDouble());
        Assert.Equal(3, stored.EnumerateObject().Count());
    }

    [Theory]
    [InlineData("application/json")]
    [InlineData("application/json; charset=utf-8")]
    [InlineData("application/vnd.nexus+json")]
    [InlineData("text/json")]
    public async Task Every_json_media_type_the_reader_takes_is_accepted(string contentType)
    {
        var key = await H.CreateKeyAsync(GatewayFixture.NewTenant());
        var body = JsonSerializer.SerializeToUtf8Bytes(GatewayHarness.PricingBody());
        var response = await PostBytesAsync("/api/ai-jobs", key, body, contentType);
        Assert.True(response.Status == 202, $"{contentType}: {response.Status} {response.Text}");
        var batch = await PostBytesAsync("/api/ai-jobs/batch", key, JsonSerializer.SerializeToUtf8Bytes(new { jobs = new[] { GatewayHarness.PricingBody() } }), contentType);
        Assert.True(batch.Status == 202, $"{contentType}: {batch.Status} {batch.Text}");
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/xml")]
    [InlineData("multipart/form-data; boundary=x")]
    public async Task Other_media_types_are_UNSUPPORTED_MEDIA_TYPE(string contentType)
    {
        var key = await H.CreateKeyAsync(GatewayFixture.NewTenant());
        AssertError(await PostBytesAsync("/api/ai-jobs", key, JsonSerializer.SerializeToUtf8Bytes(GatewayHarness.PricingBody()), contentType),
            415, "UNSUPPORTED_MEDIA_TYPE");
        await AssertNothingStoredAsync(key);
    }

    [Fact]
    public async Task Unknown_query_parameters_are_refused_on_every_endpoint()
    {
        var key = await H.CreateKeyAsync(GatewayFixture.NewTenant());
        var id = await H.DispatchAsync(key);
        AssertError(await H.GetAsync($"/api/ai-jobs/{id}?wiat=5", key), 400, "INVALID_QUERY", "wiat");
        Assert.Equal(200, (await H.GetAsync($"/api/ai-jobs/{id}?wait=0", key)).Status);
        AssertError(await H.GetAsync("/api/ai-jobs/batch/batch_01ARZ3NDEKTSV4RRFFQ69G5FAV?verbose=1", key), 400, "INVALID_QUERY", "verbose");
        AssertError(await H.PostAsync("/api/ai-jobs?dry_run=true", key, GatewayHarness.PricingBody()), 400, "INVALID_QUERY", "dry_run");
        AssertError(await H.PostAsync("/api/ai-jobs/batch?x=1", key, new { jobs = new[] { GatewayHarness.PricingBody() } }), 400, "INVALID_QUERY", "x");
        AssertError(await H.DeleteAsync($"/api/ai-jobs/{id}?force=1", key), 400, "INVALID_QUERY", "force");
        AssertError(await H.GetAsync("/api/ai-jobs?limt=5", key), 400, "INVALID_QUERY", "limt");
        // Refused before anything happened: one job (the first), still queued.
        var list = (await H.GetAsync("/api/ai-jobs", key)).Data;
        Assert.Equal(1, list.GetArrayLength());
        Assert.Equal("queued", list[0].GetProperty("status").GetString());
    }

    [Theory]
    [InlineData("?end_date=9999-12-31")]
    [InlineData("?start_date=9999-12-31&end_date=9999-12-31")]
    [InlineData("?start_date=0001-01-01")]
    [InlineData("?start_date=0001-01-01&end_date=9999-12-31")]
    [InlineData("?end_date=9999-12-31T23:59:59.9999999Z")]
    public async Task Dates_at_the_edges_of_the_calendar_are_answered(string query)
    {
        var key = await H.CreateKeyAsync(GatewayFixture.NewTenant());
        await H.DispatchAsync(key);
        var response = await H.GetAsync("/api/ai-jobs" + query, key);
        Assert.True(response.Status == 200, $"{query}: {response.Status} {response.Text}");
        var expected = query.Contains("start_date=9999") ? 0 : 1;
        Assert.Equal(expected, response.Data.GetArrayLength());
    }

    [Theory]
    [InlineData("?end_date=9999-12-31T23:59:59-01:00")]
    [InlineData("?start_date=0001-01-01T00:00:00%2B01:00")]
    [InlineData("?start_date=10000-01-01")]
    [InlineData("?end_date=0000-12-31")]
    public async Task Dates_beyond_the_calendar_are_INVALID_QUERY(string query)
    {
        var key = await H.CreateKeyAsync(GatewayFixture.NewTenant());
        AssertError(await H.GetAsync("/api/ai-jobs" + query, key), 400, "INVALID_QUERY");
    }
}
