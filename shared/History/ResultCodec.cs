using System.IO.Compression;
using System.Text.Json;

namespace Nexus.Shared.History;

/// <summary>A result compressed for storage: the gzip bytes (one buffer, sent as it is) and the JSON size.</summary>
internal sealed class CompressedResult(MemoryStream buffer, long sizeBytes)
{
    public long SizeBytes { get; } = sizeBytes;

    public ReadOnlyMemory<byte> Body => buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
}

/// <summary>
/// Results are JSON stored gzip-compressed. Compressing streams the JSON straight into the compressor (the only
/// copy held is the compressed one); reading decompresses from the database stream as it arrives.
/// </summary>
internal static class ResultCodec
{
    public const string Gzip = "gzip";

    public static CompressedResult Compress(JsonElement result, long maxBytes)
    {
        var output = new MemoryStream();
        var counter = Open(output, maxBytes);
        using (var writer = new Utf8JsonWriter(counter))
        {
            result.WriteTo(writer);
        }
        counter.Dispose();
        return new CompressedResult(output, counter.Written);
    }

    public static async Task<CompressedResult> CompressAsync(Stream json, long maxBytes, CancellationToken ct)
    {
        var output = new MemoryStream();
        var counter = Open(output, maxBytes);
        await json.CopyToAsync(counter, ct).ConfigureAwait(false);
        await counter.DisposeAsync().ConfigureAwait(false);
        return new CompressedResult(output, counter.Written);
    }

    public static Stream Decompress(Stream stored) => new GZipStream(stored, CompressionMode.Decompress);

    /// <summary>
    /// The JSON of a stored result. The document is parsed from the decompressing stream and handed out undisposed:
    /// its element stays valid without another copy (Clone would make one).
    /// </summary>
    public static async Task<JsonElement> ReadAsync(Stream stored, CancellationToken ct)
    {
        await using var json = Decompress(stored);
        var document = await JsonDocument.ParseAsync(json, default, ct).ConfigureAwait(false);
        return document.RootElement;
    }

    private static SizeLimitStream Open(MemoryStream output, long maxBytes) =>
        new(new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true), maxBytes);

    /// <summary>Counts what is written through it and refuses to go past the maximum.</summary>
    private sealed class SizeLimitStream(Stream inner, long maxBytes) : Stream
    {
        public long Written { get; private set; }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            Count(buffer.Length);
            inner.Write(buffer);
        }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Count(buffer.Length);
            await inner.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        private void Count(int bytes)
        {
            Written += bytes;
            if (Written > maxBytes) throw new ResultTooLargeException(maxBytes);
        }

        public override void Flush() => inner.Flush();
        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

        protected override void Dispose(bool disposing)
        {
            if (disposing) inner.Dispose();
            base.Dispose(disposing);
        }

        public override async ValueTask DisposeAsync()
        {
            await inner.DisposeAsync().ConfigureAwait(false);
            await base.DisposeAsync().ConfigureAwait(false);
        }

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => Written; set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
