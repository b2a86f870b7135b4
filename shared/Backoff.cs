namespace Nexus.Shared;

/// <summary>Exponential backoff with full jitter in [d/2, d], so reconnecting or retrying clients spread out.</summary>
public static class Backoff
{
    public static TimeSpan Delay(int failures, TimeSpan baseDelay, TimeSpan maxDelay, Random? random = null)
    {
        if (failures <= 0) return TimeSpan.Zero;
        var exp = Math.Min(failures - 1, 30);
        var ms = Math.Min(baseDelay.TotalMilliseconds * Math.Pow(2, exp), maxDelay.TotalMilliseconds);
        var r = (random ?? Random.Shared).NextDouble();
        return TimeSpan.FromMilliseconds(ms / 2 + ms / 2 * r);
    }
}
