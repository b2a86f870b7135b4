using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Nexus.Operator.Dispatch;

public enum SubmitOutcome { Accepted, Busy, InvalidParams, Retryable, Rejected }

public sealed record SubmitResult(SubmitOutcome Outcome, string? Message = null);

public enum PollOutcome { Running, Completed, Failed, Unknown, Unreachable }

public sealed record PollResult(PollOutcome Outcome, JsonElement? Result = null, string? ErrorCode = null,
    string? ErrorMessage = null, bool Retryable = false, int? Attempt = null);

/// <summary>The body of <c>POST /v1/jobs</c>.</summary>
public sealed record WorkerJobRequest(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("tenant")] string Tenant,
    [property: JsonPropertyName("params")] JsonElement? Params,
    [property: JsonPropertyName("attempt")] int Attempt,
    [property: JsonPropertyName("deadline")] string Deadline);

/// <summary>The operator's side of the worker HTTP contract.</summary>
public sealed class WorkerClient : IDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly HttpClient _http;

    public WorkerClient(TimeSpan requestTimeout)
    {
        var handler = new SocketsHttpHandler
        {
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
            MaxConnectionsPerServer = 256,
            ConnectTimeout = TimeSpan.FromSeconds(3),
        };
        _http = new HttpClient(handler) { Timeout = requestTimeout };
    }

    public async Task<SubmitResult> SubmitAsync(string baseUrl, WorkerJobRequest request, CancellationToken ct)
    {
        try
        {
            using var response = await _http.PostAsJsonAsync(Url(baseUrl, "v1/jobs"), request, Json, ct);
            if (response.IsSuccessStatusCode) return new SubmitResult(SubmitOutcome.Accepted);
            var message = await ErrorMessageAsync(response, ct);
            return (int)response.StatusCode switch
            {
                429 => new SubmitResult(SubmitOutcome.Busy, message),
                422 => new SubmitResult(SubmitOutcome.InvalidParams, message),
                >= 500 or 408 => new SubmitResult(SubmitOutcome.Retryable, $"worker answered {(int)response.StatusCode}: {message}"),
                _ => new SubmitResult(SubmitOutcome.Rejected, $"worker answered {(int)response.StatusCode}: {message}"),
            };
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            return new SubmitResult(SubmitOutcome.Retryable, $"worker unreachable: {e.Message}");
        }
    }

    public async Task<PollResult> GetAsync(string baseUrl, string id, CancellationToken ct)
    {
        try
        {
            using var response = await _http.GetAsync(Url(baseUrl, $"v1/jobs/{Uri.EscapeDataString(id)}"), ct);
            if (response.StatusCode == HttpStatusCode.NotFound) return new PollResult(PollOutcome.Unknown);
            if (!response.IsSuccessStatusCode) return new PollResult(PollOutcome.Unreachable, ErrorMessage: $"worker answered {(int)response.StatusCode}");
            await using var stream = await response.Content.ReadAsStreamAsync(ct);
            using var doc = await JsonDocument.ParseAsync(stream, cancellationToken: ct);
            var root = doc.RootElement;
            var status = root.TryGetProperty("status", out var s) ? s.GetString() : null;
            int? attempt = root.TryGetProperty("attempt", out var a) && a.ValueKind == JsonValueKind.Number ? a.GetInt32() : null;
            switch (status)
            {
                case "completed":
                    JsonElement? result = root.TryGetProperty("result", out var r) ? r.Clone() : null;
                    return new PollResult(PollOutcome.Completed, result, Attempt: attempt);
                case "failed":
                    string? code = null, message = null;
                    var retryable = false;
                    if (root.TryGetProperty("error", out var err) && err.ValueKind == JsonValueKind.Object)
                    {
                        code = err.TryGetProperty("code", out var c) ? c.GetString() : null;
                        message = err.TryGetProperty("message", out var m) ? m.GetString() : null;
                        retryable = err.TryGetProperty("retryable", out var rt) && rt.ValueKind == JsonValueKind.True;
                    }
                    return new PollResult(PollOutcome.Failed, ErrorCode: code, ErrorMessage: message, Retryable: retryable, Attempt: attempt);
                default:
                    return new PollResult(PollOutcome.Running, Attempt: attempt);
            }
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException && !ct.IsCancellationRequested)
        {
            return new PollResult(PollOutcome.Unreachable, ErrorMessage: e.Message);
        }
    }

    public async Task AbortAsync(string baseUrl, string id, CancellationToken ct)
    {
        try
        {
            using var _ = await _http.DeleteAsync(Url(baseUrl, $"v1/jobs/{Uri.EscapeDataString(id)}"), ct);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            // Best effort: the deadline has passed either way.
        }
    }

    public async Task<bool> IsReadyAsync(string baseUrl, CancellationToken ct)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(2));
            using var response = await _http.GetAsync(Url(baseUrl, "readyz"), timeout.Token);
            return response.IsSuccessStatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            return false;
        }
    }

    private static Uri Url(string baseUrl, string path) => new(baseUrl.TrimEnd('/') + "/" + path);

    private static async Task<string> ErrorMessageAsync(HttpResponseMessage response, CancellationToken ct)
    {
        var text = await response.Content.ReadAsStringAsync(ct);
        try
        {
            using var doc = JsonDocument.Parse(text);
            if (doc.RootElement.TryGetProperty("error", out var e) && e.ValueKind == JsonValueKind.Object)
            {
                if (e.TryGetProperty("message", out var m) && m.GetString() is { } msg) return msg;
                if (e.TryGetProperty("code", out var c) && c.GetString() is { } code) return code;
            }
            if (doc.RootElement.TryGetProperty("detail", out var d)) return d.ToString();
        }
        catch (JsonException)
        {
        }
        return text.Length > 500 ? text[..500] : text;
    }

    public void Dispose() => _http.Dispose();
}
