using System.Globalization;
using System.Reflection;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Metadata;

namespace Nexus.Gateway.Events;

/// <summary>How a stream starts: where in the ring, what it shows, and what it says first.</summary>
public sealed record StreamStart(long After, Func<JobChange, bool> Visible)
{
    /// <summary>Why the client's Last-Event-ID could not be resumed from (a <c>reset</c> event comes first).</summary>
    public string? ResetReason { get; init; }

    /// <summary>A job stream's first event: the job's current view (fresh connections and resets).</summary>
    public string? Snapshot { get; init; }

    /// <summary>The snapshot is of a finished job: it is the stream's only event.</summary>
    public bool SnapshotTerminal { get; init; }

    /// <summary>A job stream: the job whose terminal change (or deletion) ends the stream.</summary>
    public string? JobName { get; init; }

    /// <summary>The API key's stream slot (<see cref="StreamSlots"/>), given back when the stream ends.</summary>
    public IDisposable? Slot { get; init; }
}

/// <summary>
/// A <c>text/event-stream</c> answer: <c>retry:</c> once, then the ring's visible changes from the start position as
/// <c>id:</c> / <c>event: job</c> / <c>data:</c> (one line of JSON), an SSE comment every heartbeat interval, until
/// the client goes, the job's stream reaches its terminal change, or the gateway stops. The stream's buffer is its
/// place in the shared ring; a client so slow that the ring overwrites it gets <c>reset</c> (<c>too_slow</c>) and
/// is closed, and a write the client does not take within the write timeout closes it too.
/// </summary>
public sealed class EventStreamResult(EventRing ring, EventStreamSettings settings, StreamStart start) : IResult, IEndpointMetadataProvider
{
    public const string MediaType = "text/event-stream";
    public const string JobEvent = "job";
    public const string ResetEvent = "reset";
    private const int FlushAbove = 32 * 1024;

    /// <summary>The same stream, holding the API key's stream slot until it ends.</summary>
    public EventStreamResult WithSlot(IDisposable slot) => new(ring, settings, start with { Slot = slot });

    public async Task ExecuteAsync(HttpContext http)
    {
        var response = http.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = MediaType;
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        http.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted, settings.Stopping);
        EventMetrics.OpenStreams.Inc();
        try
        {
            await RunAsync(http, stop.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // The client left, or the gateway is stopping: the stream just ends.
        }
        catch (TimeoutException)
        {
            // The client stopped reading: let the connection go rather than hold its buffers.
            http.Abort();
        }
        finally
        {
            EventMetrics.OpenStreams.Dec();
            start.Slot?.Dispose();
        }
    }

    private async Task RunAsync(HttpContext http, CancellationToken ct)
    {
        var text = new StringBuilder();
        var cursor = start.After;
        string? lastSentId = null;
        string? lastJobJson = null;
        text.Append("retry: ").Append(settings.RetryMilliseconds.ToString(CultureInfo.InvariantCulture)).Append('\n');
        var here = Id(cursor);
        if (start.ResetReason is { } reason)
        {
            Reset(text, here, reason);
            lastSentId = here;
        }
        if (start.Snapshot is { } snapshot)
        {
            Event(text, here, JobEvent, snapshot);
            lastSentId = here;
            lastJobJson = snapshot;
            if (start.SnapshotTerminal)
            {
                await WriteAsync(http, text, ct).ConfigureAwait(false);
                return;
            }
        }
        if (lastSentId is null)
        {
            // The stream's starting point, so a client that reconnects before any event resumes from here.
            text.Append("id: ").Append(here).Append("\n\n");
            lastSentId = here;
        }
        await WriteAsync(http, text, ct).ConfigureAwait(false);

        using var heartbeat = new PeriodicTimer(settings.Heartbeat);
        Task<bool>? tick = null;
        while (true)
        {
            var appended = ring.NextAppend;
            var head = ring.Head;
            if (head > cursor)
            {
                for (var sequence = cursor + 1; sequence <= head; sequence++)
                {
                    if (!ring.TryGet(sequence, out var change))
                    {
                        EventMetrics.Resets.WithLabels(ResetReasons.TooSlow).Inc();
                        Reset(text, Id(ring.Head), ResetReasons.TooSlow);
                        await WriteAsync(http, text, ct).ConfigureAwait(false);
                        return;
                    }
                    cursor = sequence;
                    if (start.JobName is { } job && change.Name == job && change.Gone)
                    {
                        await WriteAsync(http, text, ct).ConfigureAwait(false);
                        return;
                    }
                    if (change.Gone || !start.Visible(change)) continue;
                    var json = await change.ViewJsonAsync().WaitAsync(ct).ConfigureAwait(false);
                    if (start.JobName is not null && json == lastJobJson) continue;
                    lastSentId = Id(sequence);
                    Event(text, lastSentId, JobEvent, json);
                    EventMetrics.EventsSent.Inc();
                    lastJobJson = json;
                    if (start.JobName is not null && change.Terminal)
                    {
                        await WriteAsync(http, text, ct).ConfigureAwait(false);
                        return;
                    }
                    if (text.Length > FlushAbove) await WriteAsync(http, text, ct).ConfigureAwait(false);
                }
                if (text.Length > 0) await WriteAsync(http, text, ct).ConfigureAwait(false);
                continue;
            }
            tick ??= heartbeat.WaitForNextTickAsync(ct).AsTask();
            if (await Task.WhenAny(appended, tick).ConfigureAwait(false) != tick) continue;
            if (!await tick.ConfigureAwait(false)) return;
            tick = null;
            text.Append(": heartbeat\n");
            // Past changes this stream does not show: move the client's resume point along, so a reconnect after a
            // quiet hour does not find its last id expired.
            if (Id(cursor) is var position && position != lastSentId)
            {
                text.Append("id: ").Append(position).Append('\n');
                lastSentId = position;
            }
            text.Append('\n');
            await WriteAsync(http, text, ct).ConfigureAwait(false);
        }
    }

    private string Id(long sequence) => new StreamPosition(ring.Epoch, sequence).ToString();

    private static void Event(StringBuilder text, string id, string name, string json) =>
        text.Append("id: ").Append(id).Append("\nevent: ").Append(name).Append("\ndata: ").Append(json).Append("\n\n");

    private static void Reset(StringBuilder text, string id, string reason)
    {
        EventMetrics.Resets.WithLabels(reason).Inc();
        var message = reason switch
        {
            ResetReasons.TooSlow => "the stream fell too far behind and is closed; re-read, then reconnect with this id",
            _ => "the changes since your Last-Event-ID are not kept here; re-read, then go on with this stream",
        };
        Event(text, id, ResetEvent, JsonSerializer.Serialize(new ResetBody(reason, message), Api.ApiJson.Options));
    }

    private async Task WriteAsync(HttpContext http, StringBuilder text, CancellationToken ct)
    {
        var bytes = Encoding.UTF8.GetBytes(text.ToString());
        text.Clear();
        using var write = CancellationTokenSource.CreateLinkedTokenSource(ct);
        write.CancelAfter(settings.WriteTimeout);
        try
        {
            await http.Response.Body.WriteAsync(bytes, write.Token).ConfigureAwait(false);
            await http.Response.Body.FlushAsync(write.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new TimeoutException("the client did not take the stream's bytes in time");
        }
    }

    /// <summary>Documents the answer: 200 <c>text/event-stream</c>.</summary>
    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder) =>
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status200OK, typeof(string), [MediaType]));
}

/// <summary>The body of a <c>reset</c> event.</summary>
public sealed record ResetBody(string Reason, string Message);

/// <summary>The streams' settings, and the gateway's stopping signal that ends them.</summary>
public sealed record EventStreamSettings(TimeSpan Heartbeat, int RetryMilliseconds, TimeSpan WriteTimeout, CancellationToken Stopping);
