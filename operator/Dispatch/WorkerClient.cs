using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Nexus.Operator.Dispatch;

public enum SubmitOutcome { Accepted, Busy, InvalidParams, Retryable, Rejected }

public sealed record SubmitResult(SubmitOutcome Outcome, string? Message = null);

public enum PollOutcome { Running, Completed, Failed, Unknown, Unreachable }

/// <param name="TooLargeBytes">Set instead of <paramref name="Result"/> when the answer was larger than the operator reads.</param>
/// <param name="Progress">The fraction done (0..1) a running job reports; null when it reports none.</param>
public sealed record PollResult(PollOutcome Outcome, ResultBody? Result = null, string? ErrorCode = null,
    string? ErrorMessage = null, bool Retryable = false, int? Attempt = null, long? TooLargeBytes = null, double? Progress = null);

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
    /// <summary>What an answer may hold besides its result (status, attempt, error).</summary>
    public const int EnvelopeBytes = 64 * 1024;
    private readonly HttpClient _http;
    private readonly long _maxAnswerBytes;

    /// <param name="maxResultBytes">The largest result stored: a longer answer is not read (its job fails with RESULT_TOO_LARGE).</param>
    public WorkerClient(TimeSpan requestTimeout, long maxResultBytes = Nexus.Shared.History.HistoryOptions.DefaultMaxResultBytes)
    {
        _maxAnswerBytes = Math.Min(Array.MaxLength, maxResultBytes + EnvelopeBytes);
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
        catch (HttpRequestException e) when (e.InnerException is System.Net.Sockets.SocketException { SocketErrorCode: System.Net.Sockets.SocketError.ConnectionRefused })
        {
            // Nothing reached the instance (it crashed and is restarting, or its endpoint is stale): like a 429, the
            // job goes back to the queue without using an attempt, instead of failing a job no worker ever saw.
            return new SubmitResult(SubmitOutcome.Busy, $"worker refused the connection: {e.Message}");
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            return new SubmitResult(SubmitOutcome.Retryable, $"worker unreachable: {e.Message}");
        }
    }

    /// <summary>
    /// Polls one job. The answer is read once into one buffer of at most the largest result plus its envelope (the
    /// body streams in; nothing past the limit is read), then scanned without building a document: a result is
    /// handed on as a slice of that buffer, so a 32 MiB result costs 32 MiB here, not several copies.
    /// </summary>
    /// <param name="wait">More than zero: a long-poll, which a worker holds until the job ends or this passes (a worker
    /// that does not know the parameter answers at once, as to a plain poll).</param>
    public async Task<PollResult> GetAsync(string baseUrl, string id, TimeSpan wait, CancellationToken ct)
    {
        try
        {
            var path = $"v1/jobs/{Uri.EscapeDataString(id)}";
            if (wait > TimeSpan.Zero) path += "?wait=" + wait.TotalSeconds.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture);
            using var response = await _http.GetAsync(Url(baseUrl, path), HttpCompletionOption.ResponseHeadersRead, ct);
            if (response.StatusCode == HttpStatusCode.NotFound) return new PollResult(PollOutcome.Unknown);
            if (!response.IsSuccessStatusCode) return new PollResult(PollOutcome.Unreachable, ErrorMessage: $"worker answered {(int)response.StatusCode}");
            if (response.Content.Headers.ContentLength is { } declared && declared > _maxAnswerBytes)
                return new PollResult(PollOutcome.Completed, TooLargeBytes: declared);
            await using var stream = await response.Content.ReadAsStreamAsync(ct);
            var (buffer, length) = await BoundedBody.ReadAsync(stream, response.Content.Headers.ContentLength, _maxAnswerBytes, ct);
            if (buffer is null) return new PollResult(PollOutcome.Completed, TooLargeBytes: length);
            return WorkerAnswer.Parse(buffer, length);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException or IOException && !ct.IsCancellationRequested)
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
