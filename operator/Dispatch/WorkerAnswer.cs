using System.Text.Json;

namespace Nexus.Operator.Dispatch;

/// <summary>
/// Reads the worker's answer to <c>GET /v1/jobs/{id}</c> from the buffer it arrived in, with a forward-only reader:
/// no document of the whole answer is built, and the result stays where it is (a <see cref="ResultBody"/> slice).
/// </summary>
public static class WorkerAnswer
{
    public static PollResult Parse(byte[] buffer, int length)
    {
        var reader = new Utf8JsonReader(buffer.AsSpan(0, length), new JsonReaderOptions { MaxDepth = 256 });
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) throw new JsonException("the worker's answer is not a JSON object");
        string? status = null, code = null, message = null;
        int? attempt = null;
        double? progress = null;
        var retryable = false;
        ResultBody? result = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.GetString();
            if (!reader.Read()) throw new JsonException("the worker's answer ends early");
            switch (name)
            {
                case "status" when reader.TokenType == JsonTokenType.String:
                    status = reader.GetString();
                    break;
                case "attempt" when reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var a):
                    attempt = a;
                    break;
                case "progress" when reader.TokenType == JsonTokenType.Number && reader.TryGetDouble(out var p) && p is >= 0 and <= 1:
                    progress = p;
                    break;
                case "result" when reader.TokenType != JsonTokenType.Null:
                    var start = (int)reader.TokenStartIndex;
                    reader.Skip();
                    result = new ResultBody(buffer, start, (int)reader.BytesConsumed - start);
                    break;
                case "error" when reader.TokenType == JsonTokenType.StartObject:
                    ReadError(ref reader, out code, out message, out retryable);
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }
        return status switch
        {
            "completed" => new PollResult(PollOutcome.Completed, result, Attempt: attempt),
            "failed" => new PollResult(PollOutcome.Failed, ErrorCode: code, ErrorMessage: message, Retryable: retryable, Attempt: attempt),
            _ => new PollResult(PollOutcome.Running, Attempt: attempt, Progress: progress),
        };
    }

    private static void ReadError(ref Utf8JsonReader reader, out string? code, out string? message, out bool retryable)
    {
        code = null;
        message = null;
        retryable = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.GetString();
            reader.Read();
            switch (name)
            {
                case "code" when reader.TokenType == JsonTokenType.String: code = reader.GetString(); break;
                case "message" when reader.TokenType == JsonTokenType.String: message = reader.GetString(); break;
                case "retryable": retryable = reader.TokenType == JsonTokenType.True; break;
                default: reader.Skip(); break;
            }
        }
    }
}

/// <summary>Reads a response body into one array, refusing to read past a limit.</summary>
public static class BoundedBody
{
    /// <returns>The buffer and the length read; a null buffer when the body is longer than <paramref name="maxBytes"/> (length: what was read).</returns>
    public static async Task<(byte[]? Buffer, int Length)> ReadAsync(Stream body, long? declaredLength, long maxBytes, CancellationToken ct)
    {
        // A declared length sizes the buffer exactly, so the common case never grows (and never copies) it.
        var buffer = new byte[declaredLength is { } d and >= 0 && d <= maxBytes ? Math.Max(1, (int)d) : (int)Math.Min(maxBytes + 1, 16 * 1024)];
        var length = 0;
        while (true)
        {
            if (length == buffer.Length)
            {
                if (length > maxBytes) return (null, length);
                var grown = new byte[(int)Math.Min(Math.Max(buffer.Length * 2L, 16 * 1024), maxBytes + 1)];
                buffer.AsSpan(0, length).CopyTo(grown);
                buffer = grown;
            }
            var n = await body.ReadAsync(buffer.AsMemory(length), ct);
            if (n == 0) break;
            length += n;
        }
        return length > maxBytes ? (null, length) : (buffer, length);
    }
}
