using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Nexus.Tests.Support;

namespace Nexus.Tests.EndToEnd;

/// <summary>A client of the public AI Jobs API, as a seller integration would use it.</summary>
public sealed class JobsApi(Uri gateway, string apiKey, string tenant) : IDisposable
{
    private readonly HttpClient _http = Create(gateway, apiKey, tenant);

    public static readonly TimeSpan DefaultWait = TimeSpan.FromMinutes(2);

    public Task<(HttpStatusCode Status, JsonNode? Body)> DispatchAsync(object request) =>
        SendAsync(HttpMethod.Post, "/api/ai-jobs", request);

    public Task<(HttpStatusCode Status, JsonNode? Body)> DispatchBatchAsync(object request) =>
        SendAsync(HttpMethod.Post, "/api/ai-jobs/batch", request);

    public Task<(HttpStatusCode Status, JsonNode? Body)> GetAsync(string id) => SendAsync(HttpMethod.Get, $"/api/ai-jobs/{id}", null);

    public Task<(HttpStatusCode Status, JsonNode? Body)> CancelAsync(string id) => SendAsync(HttpMethod.Delete, $"/api/ai-jobs/{id}", null);

    /// <summary>Dispatches and returns the new job's id, failing the test on anything but 202/201.</summary>
    public async Task<string> DispatchOkAsync(object request)
    {
        var (status, body) = await DispatchAsync(request);
        Assert.True(status is HttpStatusCode.Accepted or HttpStatusCode.Created, $"dispatch answered {(int)status}: {body}");
        return body!["data"]!["id"]!.GetValue<string>();
    }

    /// <summary>Polls (long-polling where the gateway supports it) until the job is terminal or the deadline passes.</summary>
    public async Task<JsonNode> WaitTerminalAsync(string id, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? DefaultWait);
        JsonNode? last = null;
        while (DateTime.UtcNow < deadline)
        {
            var (status, body) = await SendAsync(HttpMethod.Get, $"/api/ai-jobs/{id}?wait=10", null);
            Assert.Equal(HttpStatusCode.OK, status);
            last = body!["data"]!;
            if (last["status"]!.GetValue<string>() is "completed" or "failed" or "cancelled") return last;
        }
        throw new TimeoutException($"job {id} not terminal by the deadline; last seen: {last}");
    }

    /// <summary>Waits until a job reaches a given status (e.g. running); fails at once if it ends elsewhere.</summary>
    public Task<JsonNode> WaitStatusAsync(string id, string wanted, TimeSpan? timeout = null) =>
        Wait.ForAsync(async () =>
        {
            var data = (await GetAsync(id)).Body?["data"];
            var status = data?["status"]?.GetValue<string>();
            if (status != wanted && status is "completed" or "failed" or "cancelled")
                throw new InvalidOperationException($"job {id} ended {status} before reaching {wanted}: {data}");
            return status == wanted ? data : null;
        }, $"job {id} to be {wanted}", timeout ?? DefaultWait);

    private async Task<(HttpStatusCode, JsonNode?)> SendAsync(HttpMethod method, string path, object? body)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
            request.Content = new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");
        using var response = await _http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text));
    }

    private static HttpClient Create(Uri gateway, string apiKey, string tenant)
    {
        var http = new HttpClient { BaseAddress = gateway, Timeout = TimeSpan.FromSeconds(90) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        http.DefaultRequestHeaders.Add("X-Tenant-ID", tenant);
        return http;
    }

    public void Dispose() => _http.Dispose();
}
