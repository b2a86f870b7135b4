using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.IO.Pipelines;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;
using Nexus.Gateway.Metrics;

namespace Nexus.Gateway.Api;

/// <summary>
/// Puts the web server's own refusals in the error envelope. Kestrel answers a request it cannot parse or that breaks
/// its limits (bad characters or an over-long request line, over-long or malformed headers, a timed-out request head,
/// an unsupported HTTP version) itself, before any middleware runs, with an empty body nothing can change. It does
/// report each refusal first, as the diagnostic event <see cref="EventName"/> carrying the request's features (which
/// reach the connection's). So: a connection middleware gives every connection a <see cref="RejectionCapture"/>;
/// the event hands it the refusal; its output then rewrites the one response head that follows — Kestrel's empty
/// answer — into the same status with the envelope as body. Every other byte passes through untouched.
/// </summary>
public static class ServerRejections
{
    public const string EventName = "Microsoft.AspNetCore.Server.Kestrel.BadRequest";

    /// <summary>Wraps every endpoint's connections (HTTP/1.1; refusals on other protocols are stream or frame errors).</summary>
    public static IServiceCollection AddServerRejectionEnvelope(this IServiceCollection services)
    {
        services.AddSingleton<RejectionObserver>();
        services.AddOptions<KestrelServerOptions>().Configure<RejectionObserver>((kestrel, observer) =>
        {
            observer.Start();
            kestrel.ConfigureEndpointDefaults(listen => listen.Use(next => connection =>
            {
                var capture = new RejectionCapture(connection.Transport);
                connection.Features.Set(capture);
                connection.Transport = capture;
                return next(connection);
            }));
        });
        return services;
    }

    /// <summary>The envelope of a refusal: the code of its status, Kestrel's reason as the message.</summary>
    internal static (string Code, byte[] Body) Envelope(int status, string reason)
    {
        var code = ErrorStatuses.CodeOfStatus(status);
        // Kestrel quotes the offending bytes only when it logs at Information; without them, no empty quotes.
        reason = reason.EndsWith(": ''", StringComparison.Ordinal) ? reason[..^4] : reason;
        var message = Nexus.Crds.Entities.TextBounds.Clip(reason, 300);
        var body = JsonSerializer.SerializeToUtf8Bytes(new ErrorEnvelope(ApiBounds.ErrorBody(code, message, null)), ApiJson.Options);
        return (code, body);
    }
}

/// <summary>Receives Kestrel's refusal events and hands each to its connection's capture.</summary>
internal sealed class RejectionObserver(DiagnosticListener listener) : IObserver<KeyValuePair<string, object?>>, IDisposable
{
    private IDisposable? _subscription;

    public void Start()
    {
        lock (this) _subscription ??= listener.Subscribe(this, name => name == ServerRejections.EventName);
    }

    public void OnNext(KeyValuePair<string, object?> value)
    {
        if (value.Key != ServerRejections.EventName || value.Value is not IFeatureCollection features) return;
        var error = features.Get<IBadRequestExceptionFeature>()?.Error as Microsoft.AspNetCore.Http.BadHttpRequestException;
        if (features[typeof(RejectionCapture)] is not RejectionCapture capture || error is null) return;
        var method = features.Get<IHttpRequestFeature>()?.Method;
        capture.Refused(new Refusal(error.StatusCode, error.Message, string.Equals(method, "HEAD", StringComparison.OrdinalIgnoreCase)));
    }

    public void OnError(Exception error)
    {
    }

    public void OnCompleted()
    {
    }

    public void Dispose() => _subscription?.Dispose();
}

internal sealed record Refusal(int Status, string Reason, bool IsHead);

/// <summary>A connection's transport whose output can rewrite the head of Kestrel's next (refusal) answer.</summary>
internal sealed class RejectionCapture : IDuplexPipe
{
    private readonly IDuplexPipe _transport;
    private readonly RewritingWriter _output;

    public RejectionCapture(IDuplexPipe transport)
    {
        _transport = transport;
        _output = new RewritingWriter(transport.Output, this);
    }

    private Refusal? _pending;

    /// <summary>Set by the refusal event, which Kestrel raises before it writes the refusal's answer.</summary>
    public void Refused(Refusal refusal) => Volatile.Write(ref _pending, refusal);

    public bool HasPending => Volatile.Read(ref _pending) is not null;

    public Refusal? TakePending() => Interlocked.Exchange(ref _pending, null);

    public PipeReader Input => _transport.Input;

    public PipeWriter Output => _output;
}

/// <summary>
/// Passes writes through, except after a refusal: then it holds the bytes of the next response head, and when that is
/// Kestrel's empty error answer (status &gt;= 400, <c>Content-Length: 0</c>, no <c>Content-Type</c>) writes it with
/// the envelope as body instead. A head that is anything else (the app had already answered) goes out as it was.
/// </summary>
internal sealed class RewritingWriter(PipeWriter inner, RejectionCapture capture) : PipeWriter
{
    private const int MaxHeldBytes = 64 * 1024;
    private static readonly byte[] HeadEnd = "\r\n\r\n"u8.ToArray();

    private ArrayBufferWriter<byte>? _held;
    private Refusal? _refusal;

    public override bool CanGetUnflushedBytes => inner.CanGetUnflushedBytes;

    public override long UnflushedBytes => inner.UnflushedBytes + (_held?.WrittenCount ?? 0);

    public override Memory<byte> GetMemory(int sizeHint = 0)
    {
        Arm();
        return _held is { } held ? held.GetMemory(sizeHint) : inner.GetMemory(sizeHint);
    }

    public override Span<byte> GetSpan(int sizeHint = 0)
    {
        Arm();
        return _held is { } held ? held.GetSpan(sizeHint) : inner.GetSpan(sizeHint);
    }

    public override void Advance(int bytes)
    {
        if (_held is { } held) held.Advance(bytes);
        else inner.Advance(bytes);
    }

    public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
    {
        // A head not complete yet is held back: Kestrel writes a refusal's head in one go before it flushes.
        if (_held is not null && !Release(final: false)) return ValueTask.FromResult(new FlushResult(isCanceled: false, isCompleted: false));
        return inner.FlushAsync(cancellationToken);
    }

    public override void CancelPendingFlush() => inner.CancelPendingFlush();

    public override void Complete(Exception? exception = null)
    {
        if (_held is not null) Release(final: true);
        inner.Complete(exception);
    }

    public override async ValueTask CompleteAsync(Exception? exception = null)
    {
        if (_held is not null)
        {
            Release(final: true);
            await inner.FlushAsync().ConfigureAwait(false);
        }
        await inner.CompleteAsync(exception).ConfigureAwait(false);
    }

    private void Arm()
    {
        if (_held is not null || !capture.HasPending) return;
        _refusal = capture.TakePending();
        if (_refusal is not null) _held = new ArrayBufferWriter<byte>(1024);
    }

    /// <summary>Writes the held bytes on (rewritten when they are the refusal's head); false while the head is incomplete.</summary>
    private bool Release(bool final)
    {
        var bytes = _held!.WrittenSpan;
        var end = bytes.IndexOf(HeadEnd);
        var startsLikeHead = bytes.Length < 7 ? "HTTP/1."u8.StartsWith(bytes) : bytes.StartsWith("HTTP/1."u8);
        if (end < 0 && startsLikeHead && !final && bytes.Length < MaxHeldBytes) return false;

        if (end >= 0 && startsLikeHead && Rewrite(bytes[..(end + 2)], _refusal!) is { } head)
        {
            inner.Write(head);
            inner.Write(bytes[(end + 4)..]);
        }
        else
        {
            inner.Write(bytes);
        }
        _held = null;
        _refusal = null;
        return true;
    }

    /// <summary>The head with the envelope as body, or null when it is not an empty error answer.</summary>
    private static byte[]? Rewrite(ReadOnlySpan<byte> head, Refusal refusal)
    {
        var text = Encoding.ASCII.GetString(head);
        var lines = text.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        if (lines.Length == 0) return null;
        var statusLine = lines[0].Split(' ', 3);
        if (statusLine.Length < 2 || !int.TryParse(statusLine[1], NumberStyles.None, CultureInfo.InvariantCulture, out var status) || status < 400)
            return null;
        var headers = lines.Skip(1).ToList();
        if (headers.Any(h => h.StartsWith("Content-Type:", StringComparison.OrdinalIgnoreCase))) return null;
        var length = headers.FindIndex(h => h.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase));
        if (length < 0 || headers[length]["Content-Length:".Length..].Trim() != "0") return null;

        var (code, body) = ServerRejections.Envelope(status, refusal.Reason);
        GatewayMetrics.RequestsRejected.WithLabels(code).Inc();
        headers.RemoveAt(length);
        headers.Add("Content-Type: application/json; charset=utf-8");
        headers.Add("Content-Length: " + body.Length.ToString(CultureInfo.InvariantCulture));
        var rewritten = new StringBuilder(lines[0]).Append("\r\n");
        foreach (var header in headers) rewritten.Append(header).Append("\r\n");
        rewritten.Append("\r\n");
        var bytes = Encoding.ASCII.GetBytes(rewritten.ToString());
        return refusal.IsHead ? bytes : [.. bytes, .. body];
    }
}
