using System.Buffers;
using System.Text.Json;
using Nexus.Gateway.Outcomes;

namespace Nexus.Gateway.Api;

/// <summary>
/// Reads a JSON request body with a size limit: too large → 413, not JSON → 400, wrong media type → 415. It is parsed
/// once, strictly: a repeated key in any object (400 <c>DUPLICATE_KEY</c>), a string or key that is not valid UTF-8
/// or holds an unpaired surrogate escape, and a number no double can hold (400 <c>INVALID_JSON</c>) are refused
/// here, so the document's text means exactly what validation reads from it, and the params stored are those.
/// </summary>
public static class RequestBody
{
    /// <summary>The media types a body may be sent as (the endpoints declare these, so routing accepts what this reads).</summary>
    public static readonly string[] JsonMediaTypes = ["application/json", "application/*+json", "text/json"];

    public static async Task<(JsonDocument? Document, Rejection? Rejection)> ReadJsonAsync(HttpRequest request, int maxBytes, CancellationToken ct)
    {
        var contentType = request.ContentType;
        if (!string.IsNullOrEmpty(contentType) && !IsJson(contentType))
            return (null, new Rejection(ErrorCodes.UnsupportedMediaType, $"Content-Type must be application/json, got '{contentType}'"));
        if (request.ContentLength > maxBytes) return (null, TooLarge(maxBytes));

        var buffer = ArrayPool<byte>.Shared.Rent(Math.Min(maxBytes + 1, (int)(request.ContentLength ?? 16 * 1024) + 1));
        var length = 0;
        try
        {
            while (true)
            {
                if (length == buffer.Length)
                {
                    if (length > maxBytes) return (null, TooLarge(maxBytes));
                    var bigger = ArrayPool<byte>.Shared.Rent(Math.Min(maxBytes + 1, buffer.Length * 2));
                    buffer.AsSpan(0, length).CopyTo(bigger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = bigger;
                }
                var read = await request.Body.ReadAsync(buffer.AsMemory(length, buffer.Length - length), ct).ConfigureAwait(false);
                if (read == 0) break;
                length += read;
                if (length > maxBytes) return (null, TooLarge(maxBytes));
            }
            if (length == 0) return (null, new Rejection(ErrorCodes.InvalidJson, "Request body is empty; a JSON object is required"));
            try
            {
                // The document keeps referring to the memory it parsed: give it its own copy, not the pooled buffer.
                var document = JsonDocument.Parse(buffer.AsSpan(0, length).ToArray(), ApiJson.DocumentOptions);
                if (StrictJson.Check(document.RootElement) is { } refused)
                {
                    document.Dispose();
                    return (null, refused);
                }
                return (document, null);
            }
            catch (JsonException ex)
            {
                return (null, new Rejection(ErrorCodes.InvalidJson, "Request body is not valid JSON: " + ex.Message));
            }
            catch (ArgumentException ex)
            {
                // Invalid UTF-8 outside strings is reported by the parser this way.
                return (null, new Rejection(ErrorCodes.InvalidJson, "Request body is not valid UTF-8 JSON: " + ex.Message));
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static Rejection TooLarge(int maxBytes) =>
        new Rejection(ErrorCodes.PayloadTooLarge, $"Request body exceeds {maxBytes} bytes");

    private static bool IsJson(string contentType)
    {
        var media = contentType.Split(';')[0].Trim();
        return media.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || media.EndsWith("+json", StringComparison.OrdinalIgnoreCase)
            || media.Equals("text/json", StringComparison.OrdinalIgnoreCase);
    }
}
