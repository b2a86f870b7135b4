using System.Text.Json;

namespace Nexus.Operator.Dispatch;

/// <summary>
/// A result as it arrived from the worker: a slice of the one buffer the answer was read into. Nothing is copied:
/// a large result is compressed into the database straight from this slice, a small one parsed for the status.
/// </summary>
public sealed class ResultBody(byte[] buffer, int offset, int length)
{
    /// <summary>The result's size as JSON (what the inline and maximum limits measure).</summary>
    public int Length => length;

    public ReadOnlyMemory<byte> Utf8 => buffer.AsMemory(offset, length);

    /// <summary>The JSON, read-only, over the buffer.</summary>
    public Stream OpenRead() => new MemoryStream(buffer, offset, length, writable: false);

    /// <summary>The parsed result (a copy of its own, for results small enough to keep in status).</summary>
    public JsonElement Parse()
    {
        using var doc = JsonDocument.Parse(Utf8);
        return doc.RootElement.Clone();
    }

    public static ResultBody Of(JsonElement value) => From(JsonSerializer.SerializeToUtf8Bytes(value));

    public static ResultBody From(byte[] utf8) => new(utf8, 0, utf8.Length);
}
