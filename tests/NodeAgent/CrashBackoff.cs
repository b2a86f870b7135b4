namespace Nexus.NodeAgent;

/// <summary>
/// The kubelet's restart back-off (client-go flowcontrol.Backoff as the kubelet configures it): the first crash
/// restarts at once and arms 10 s; each further crash waits the current delay, counted from when the container
/// exited, then doubles it up to 5 minutes. An entry older than twice the maximum (10 minutes since the previous
/// crash) is forgotten, so a container that stayed up that long starts over at 10 s.
/// </summary>
public sealed class CrashBackoff(IClock clock)
{
    public static readonly TimeSpan Initial = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan Max = TimeSpan.FromMinutes(5);

    private readonly Dictionary<string, (TimeSpan Delay, DateTime LastUpdate)> _entries = new(StringComparer.Ordinal);

    /// <summary>The delay a crash of this container would wait now (zero when none is armed).</summary>
    public TimeSpan Get(string key)
    {
        lock (_entries) return _entries.TryGetValue(key, out var e) ? e.Delay : TimeSpan.Zero;
    }

    /// <summary>True while a container that exited at <paramref name="exitedAt"/> must still wait.</summary>
    public bool IsInBackOffSince(string key, DateTime exitedAt)
    {
        lock (_entries)
        {
            if (!_entries.TryGetValue(key, out var e) || Expired(exitedAt, e.LastUpdate)) return false;
            return clock.UtcNow - exitedAt < e.Delay;
        }
    }

    /// <summary>Records a restart of a container that exited at <paramref name="exitedAt"/>: arms or doubles the delay.</summary>
    public void Next(string key, DateTime exitedAt)
    {
        lock (_entries)
        {
            var delay = !_entries.TryGetValue(key, out var e) || Expired(exitedAt, e.LastUpdate)
                ? Initial
                : TimeSpan.FromTicks(Math.Min(e.Delay.Ticks * 2, Max.Ticks));
            _entries[key] = (delay, exitedAt);
        }
    }

    public void Forget(string key)
    {
        lock (_entries) _entries.Remove(key);
    }

    private static bool Expired(DateTime eventTime, DateTime lastUpdate) => eventTime - lastUpdate > 2 * Max;
}
