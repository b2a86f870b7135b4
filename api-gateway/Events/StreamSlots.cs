using System.Collections.Concurrent;

namespace Nexus.Gateway.Events;

/// <summary>
/// The event streams each API key holds open on this gateway replica, bounded: a stream is a connection held for
/// as long as the client reads, which the per-request rate limit does not bound, so a client that opens streams in a
/// loop would otherwise hold the gateway's connections and memory for every other key.
/// </summary>
public sealed class StreamSlots(int perKey)
{
    private readonly ConcurrentDictionary<string, int> _open = new(StringComparer.Ordinal);

    public int PerKey { get; } = perKey;

    public int OpenFor(string key) => _open.TryGetValue(key, out var n) ? n : 0;

    /// <summary>A slot for one more stream of the key, released when disposed; null when the key holds its limit.</summary>
    public IDisposable? TryTake(string key)
    {
        while (true)
        {
            var n = OpenFor(key);
            if (n >= PerKey) return null;
            if (n == 0 ? _open.TryAdd(key, 1) : _open.TryUpdate(key, n + 1, n)) return new Slot(this, key);
        }
    }

    private void Release(string key)
    {
        while (true)
        {
            var n = OpenFor(key);
            if (n <= 1 ? _open.TryRemove(new KeyValuePair<string, int>(key, n)) : _open.TryUpdate(key, n - 1, n)) return;
        }
    }

    private sealed class Slot(StreamSlots slots, string key) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0) slots.Release(key);
        }
    }
}
