using System.Text;
using Nexus.Gateway.Api;

namespace Nexus.Tests.Gateway;

/// <summary>
/// Refusals the web server decides before the app runs answer in the error envelope, with the code of their status.
/// Sent over a bare socket so that the bytes are exactly these and the answer is read as framed.
/// </summary>
public class HardeningServerRefusalTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private GatewayHarness H => fixture.Harness;

    private static void AssertEnvelope(HardeningRawHttp.RawResponse response, int status, string code)
    {
        Assert.True(response.Status == status, $"expected {status} {code}, got {response}");
        Assert.StartsWith("application/json", response.Headers["Content-Type"]);
        Assert.Equal(code, response.Code);
        Assert.False(string.IsNullOrWhiteSpace(response.Message));
        Assert.Equal(status, ErrorStatuses.Of(code));
    }

    private async Task<HardeningRawHttp.RawResponse> SendOneAsync(string request) =>
        Assert.Single(await HardeningRawHttp.SendAsync(H.Gateway.BaseAddress, request));

    [Theory]
    [InlineData("GET /api/ai-jobs/a\u0000b HTTP/1.1\r\nHost: x\r\n\r\n")] // NUL in the path
    [InlineData("GET /api/ai-jobs/a\u00ffb HTTP/1.1\r\nHost: x\r\n\r\n")] // a byte that is not ASCII in the path
    [InlineData("GET /api/ai-jobs/a b HTTP/1.1\r\nHost: x\r\n\r\n")] // space in the target
    [InlineData("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Tenant-ID: caf\u00e9\r\n\r\n")] // non-ASCII header value (Latin-1 byte)
    [InlineData("GET /healthz HTTP/1.1\r\nHost: x\r\nBad Header: 1\r\n\r\n")] // space in a header name
    [InlineData("GET /healthz HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n")] // two Host headers
    [InlineData("GET /healthz HTTP/1.1\r\n\r\n")] // no Host
    [InlineData("POST /api/ai-jobs HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello")] // two lengths
    public async Task Malformed_requests_are_MALFORMED_REQUEST_in_the_envelope(string request) =>
        AssertEnvelope(await SendOneAsync(request), 400, "MALFORMED_REQUEST");

    [Fact]
    public async Task A_target_that_is_no_path_is_METHOD_NOT_ALLOWED() =>
        AssertEnvelope(await SendOneAsync("GET api-jobs HTTP/1.1\r\nHost: x\r\n\r\n"), 405, "METHOD_NOT_ALLOWED");

    [Fact]
    public async Task An_over_long_request_line_is_URI_TOO_LONG()
    {
        var path = "/api/ai-jobs/" + new string('a', 10 * 1024);
        AssertEnvelope(await SendOneAsync($"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n"), 414, "URI_TOO_LONG");
    }

    [Fact]
    public async Task Over_long_or_too_many_headers_are_HEADERS_TOO_LARGE()
    {
        AssertEnvelope(await SendOneAsync($"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Pad: {new string('p', 40 * 1024)}\r\n\r\n"), 431, "HEADERS_TOO_LARGE");
        var many = string.Concat(Enumerable.Range(0, 120).Select(i => $"X-H{i}: {i}\r\n"));
        AssertEnvelope(await SendOneAsync($"GET /healthz HTTP/1.1\r\nHost: x\r\n{many}\r\n"), 431, "HEADERS_TOO_LARGE");
    }

    [Fact]
    public async Task An_unknown_http_version_is_HTTP_VERSION_NOT_SUPPORTED() =>
        AssertEnvelope(await SendOneAsync("GET /healthz HTTP/1.7\r\nHost: x\r\n\r\n"), 505, "HTTP_VERSION_NOT_SUPPORTED");

    [Fact]
    public async Task A_body_larger_than_the_server_takes_is_PAYLOAD_TOO_LARGE_before_it_is_sent()
    {
        var key = await H.CreateKeyAsync(GatewayFixture.NewTenant());
        var response = await SendOneAsync($"POST /api/ai-jobs HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {key}\r\n"
                                          + "Content-Type: application/json\r\nContent-Length: 100000000\r\n\r\n{");
        AssertEnvelope(response, 413, "PAYLOAD_TOO_LARGE");
    }

    [Fact]
    public async Task A_refusal_after_good_requests_on_one_connection_rewrites_only_the_refusal()
    {
        var good = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
        var responses = await HardeningRawHttp.SendAsync(H.Gateway.BaseAddress, good + good + "GET /a\u0000 HTTP/1.1\r\nHost: x\r\n\r\n", responses: 3);

        Assert.Equal(3, responses.Count);
        Assert.All(responses.Take(2), r => Assert.True(r.Status == 200 && r.Json.GetProperty("status").GetString() == "ok", r.ToString()));
        AssertEnvelope(responses[2], 400, "MALFORMED_REQUEST");
    }

    [Fact]
    public async Task A_refused_HEAD_gets_the_envelope_length_and_no_body()
    {
        var responses = await HardeningRawHttp.SendAsync(H.Gateway.BaseAddress,
            "HEAD /healthz HTTP/1.1\r\nHost: x\r\nX-Pad: " + new string('p', 40 * 1024) + "\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", responses: 2);

        // The refusal closes the connection: nothing follows it, and the head promised the length a GET would have had.
        var head = Assert.Single(responses);
        Assert.Equal(431, head.Status);
        Assert.True(int.Parse(head.Headers["Content-Length"]) > 0);
        Assert.StartsWith("application/json", head.Headers["Content-Type"]);
    }

    [Fact]
    public async Task Refusals_are_counted_by_code()
    {
        await SendOneAsync("GET /healthz HTTP/1.7\r\nHost: x\r\n\r\n");
        var metrics = (await H.GetAsync("/metrics", null)).Text;
        Assert.Matches("nexus_gateway_requests_rejected_total\\{code=\"HTTP_VERSION_NOT_SUPPORTED\"\\} [1-9]", metrics);
    }

    [Fact]
    public async Task A_request_head_that_never_ends_is_REQUEST_TIMEOUT()
    {
        await using var harness = await GatewayHarness.StartAsync(o => o with { RequestHeadersTimeoutSeconds = 1 });
        var response = Assert.Single(await HardeningRawHttp.SendAsync(harness.Gateway.BaseAddress, "GET /healthz HTTP/1.1\r\nHost: x\r\n",
            timeout: TimeSpan.FromSeconds(30)));
        AssertEnvelope(response, 408, "REQUEST_TIMEOUT");
    }

    [Fact]
    public async Task A_body_that_stops_arriving_is_REQUEST_TIMEOUT()
    {
        var key = await H.CreateKeyAsync(GatewayFixture.NewTenant());
        // 10 of 1000 announced bytes, then silence: the server's minimum body data rate (after its grace period) ends it.
        var response = Assert.Single(await HardeningRawHttp.SendAsync(H.Gateway.BaseAddress,
            $"POST /api/ai-jobs HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {key}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{{\"type\":\"p",
            timeout: TimeSpan.FromSeconds(60)));
        AssertEnvelope(response, 408, "REQUEST_TIMEOUT");
    }

    [Fact]
    public async Task Well_formed_answers_pass_through_unchanged()
    {
        var key = await H.CreateKeyAsync(GatewayFixture.NewTenant());
        var body = Encoding.UTF8.GetBytes("{\"type\":\"teleport\",\"params\":{}}");
        var request = Encoding.ASCII.GetBytes($"POST /api/ai-jobs HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {key}\r\n"
                                              + $"Content-Type: application/json\r\nContent-Length: {body.Length}\r\n\r\n");
        var response = Assert.Single(await HardeningRawHttp.SendAsync(H.Gateway.BaseAddress, [.. request, .. body]));
        AssertEnvelope(response, 422, "INVALID_JOB_TYPE");
    }
}
