using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Nexus.Tests.Gateway;

/// <summary>
/// HTTP/1.1 over a bare TCP socket: the request goes out byte for byte as written (no client library fixes, refuses
/// or hides anything) and each response is read as the server framed it (Content-Length or chunked).
/// </summary>
internal static class HardeningRawHttp
{
    public sealed record RawResponse(int Status, IReadOnlyDictionary<string, string> Headers, string Body)
    {
        public JsonElement Json => JsonDocument.Parse(Body).RootElement;

        public string? Code => Json.GetProperty("error").GetProperty("code").GetString();

        public string? Message => Json.GetProperty("error").GetProperty("message").GetString();

        public override string ToString() => $"{Status} {string.Join("; ", Headers.Select(h => $"{h.Key}: {h.Value}"))} | {Body}";
    }

    /// <summary>Sends the bytes, then reads <paramref name="responses"/> responses (fewer if the server closes first).</summary>
    public static async Task<List<RawResponse>> SendAsync(Uri server, byte[] request, int responses = 1, TimeSpan? timeout = null)
    {
        using var deadline = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(20));
        using var client = new TcpClient();
        await client.ConnectAsync(server.Host, server.Port, deadline.Token);
        var stream = client.GetStream();
        await stream.WriteAsync(request, deadline.Token);
        await stream.FlushAsync(deadline.Token);
        var reader = new Reader(stream, deadline.Token);
        var read = new List<RawResponse>();
        while (read.Count < responses && await reader.ReadResponseAsync() is { } response) read.Add(response);
        return read;
    }

    public static Task<List<RawResponse>> SendAsync(Uri server, string request, int responses = 1, TimeSpan? timeout = null) =>
        SendAsync(server, Encoding.Latin1.GetBytes(request), responses, timeout);

    private sealed class Reader(NetworkStream stream, CancellationToken ct)
    {
        private readonly List<byte> _buffer = [];

        public async Task<RawResponse?> ReadResponseAsync()
        {
            var headEnd = await FillUntilAsync("\r\n\r\n"u8.ToArray());
            if (headEnd < 0) return null;
            var head = Encoding.Latin1.GetString(_buffer.GetRange(0, headEnd).ToArray());
            _buffer.RemoveRange(0, headEnd + 4);
            var lines = head.Split("\r\n");
            var status = int.Parse(lines[0].Split(' ')[1]);
            var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var line in lines.Skip(1))
            {
                var colon = line.IndexOf(':');
                headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
            }
            byte[] body;
            if (headers.TryGetValue("Content-Length", out var length)) body = await TakeAsync(int.Parse(length));
            else if (headers.TryGetValue("Transfer-Encoding", out var te) && te.Contains("chunked", StringComparison.OrdinalIgnoreCase)) body = await ChunkedAsync();
            else body = await ToEndAsync();
            return new RawResponse(status, headers, Encoding.UTF8.GetString(body));
        }

        private async Task<byte[]> ChunkedAsync()
        {
            var body = new List<byte>();
            while (true)
            {
                var end = await FillUntilAsync("\r\n"u8.ToArray());
                var size = Convert.ToInt32(Encoding.ASCII.GetString(_buffer.GetRange(0, end).ToArray()).Split(';')[0].Trim(), 16);
                _buffer.RemoveRange(0, end + 2);
                body.AddRange(await TakeAsync(size));
                await TakeAsync(2);
                if (size == 0) return [.. body];
            }
        }

        private async Task<byte[]> TakeAsync(int count)
        {
            while (_buffer.Count < count && await MoreAsync()) { }
            var taken = _buffer.GetRange(0, Math.Min(count, _buffer.Count)).ToArray();
            _buffer.RemoveRange(0, taken.Length);
            return taken;
        }

        private async Task<byte[]> ToEndAsync()
        {
            while (await MoreAsync()) { }
            var all = _buffer.ToArray();
            _buffer.Clear();
            return all;
        }

        private async Task<int> FillUntilAsync(byte[] marker)
        {
            while (true)
            {
                var at = IndexOf(marker);
                if (at >= 0) return at;
                if (!await MoreAsync()) return -1;
            }
        }

        private int IndexOf(byte[] marker)
        {
            for (var i = 0; i + marker.Length <= _buffer.Count; i++)
            {
                var match = true;
                for (var j = 0; j < marker.Length && match; j++) match = _buffer[i + j] == marker[j];
                if (match) return i;
            }
            return -1;
        }

        private async Task<bool> MoreAsync()
        {
            var chunk = new byte[8192];
            int read;
            try
            {
                read = await stream.ReadAsync(chunk, ct);
            }
            catch (IOException)
            {
                return false; // reset by the server after its answer
            }
            if (read == 0) return false;
            _buffer.AddRange(chunk.AsSpan(0, read));
            return true;
        }
    }
}
