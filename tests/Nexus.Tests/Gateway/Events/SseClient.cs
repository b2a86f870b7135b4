using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Nexus.Tests.Gateway.Events;

/// <summary>One message of a Server-Sent Events stream as the spec's parser reads it (comments kept for the heartbeat tests).</summary>
public sealed record SseMessage(string? Id, string? Event, string? Data, int? Retry, IReadOnlyList<string> Comments)
{
    public JsonElement Json => JsonDocument.Parse(Data!).RootElement;

    public string? Status => Event == "job" ? Json.GetProperty("status").GetString() : null;

    public string? JobId => Event == "job" ? Json.GetProperty("id").GetString() : null;
}

/// <summary>A real HTTP client of one event stream: opens it (headers first) and reads it message by message with a deadline.</summary>
public sealed class SseClient : IAsyncDisposable
{
    private readonly HttpResponseMessage _response;
    private readonly StreamReader _reader;
    private Task<string?>? _pendingLine;

    private SseClient(HttpResponseMessage response, StreamReader reader)
    {
        _response = response;
        _reader = reader;
    }

    public HttpResponseMessage Response => _response;

    /// <summary>Opens the stream; a refusal (not 200) is returned as a <see cref="Response"/> instead.</summary>
    public static async Task<(SseClient? Stream, Response? Refusal)> OpenAsync(HttpClient http, string path, string? key, string? tenant = null,
        string? lastEventId = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (key is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        if (tenant is not null) request.Headers.Add("X-Tenant-ID", tenant);
        if (lastEventId is not null) request.Headers.TryAddWithoutValidation("Last-Event-ID", lastEventId);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        if (response.StatusCode != System.Net.HttpStatusCode.OK || response.Content.Headers.ContentType?.MediaType != "text/event-stream")
        {
            var text = await response.Content.ReadAsStringAsync();
            return (null, new Response(response, text));
        }
        var reader = new StreamReader(await response.Content.ReadAsStreamAsync(), Encoding.UTF8);
        return (new SseClient(response, reader), null);
    }

    public static async Task<SseClient> OpenOkAsync(HttpClient http, string path, string? key, string? tenant = null, string? lastEventId = null)
    {
        var (stream, refusal) = await OpenAsync(http, path, key, tenant, lastEventId);
        Assert.True(stream is not null, $"{path} refused: {refusal?.Status} {refusal?.Text}");
        return stream!;
    }

    /// <summary>The next message (null when the server ended the stream); throws when none comes before the deadline.</summary>
    public async Task<SseMessage?> NextAsync(TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        string? id = null, name = null;
        int? retry = null;
        var data = new List<string>();
        var comments = new List<string>();
        var any = false;
        while (true)
        {
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero) throw new TimeoutException("no event-stream message before the deadline");
            _pendingLine ??= _reader.ReadLineAsync();
            var line = await _pendingLine.WaitAsync(left);
            _pendingLine = null;
            if (line is null) return any ? new SseMessage(id, name, data.Count > 0 ? string.Join('\n', data) : null, retry, comments) : null;
            if (line.Length == 0)
            {
                if (any) return new SseMessage(id, name, data.Count > 0 ? string.Join('\n', data) : null, retry, comments);
                continue;
            }
            any = true;
            if (line.StartsWith(':')) { comments.Add(line[1..].Trim()); continue; }
            var colon = line.IndexOf(':');
            var field = colon < 0 ? line : line[..colon];
            var value = colon < 0 ? "" : line[(colon + 1)..].TrimStart(' ');
            switch (field)
            {
                case "id": id = value; break;
                case "event": name = value; break;
                case "data": data.Add(value); break;
                case "retry": retry = int.Parse(value, System.Globalization.CultureInfo.InvariantCulture); break;
            }
        }
    }

    /// <summary>The next <c>job</c> or <c>reset</c> event, skipping heartbeats and bare ids; null at the stream's end.</summary>
    public async Task<SseMessage?> NextEventAsync(TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            var message = await NextAsync(deadline - DateTime.UtcNow);
            if (message is null || message.Event is not null) return message;
        }
    }

    /// <summary>Events until <paramref name="until"/> holds for one (included).</summary>
    public async Task<List<SseMessage>> EventsUntilAsync(Func<SseMessage, bool> until, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        var seen = new List<SseMessage>();
        while (true)
        {
            var message = await NextEventAsync(deadline - DateTime.UtcNow);
            Assert.True(message is not null, "the stream ended before the expected event; got: " + string.Join(" | ", seen.Select(m => $"{m.Event} {m.Data}")));
            seen.Add(message!);
            if (until(message!)) return seen;
        }
    }

    public ValueTask DisposeAsync()
    {
        _reader.Dispose();
        _response.Dispose();
        return ValueTask.CompletedTask;
    }
}
