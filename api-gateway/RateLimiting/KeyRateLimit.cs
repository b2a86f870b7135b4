using System.Globalization;

namespace Nexus.Gateway.RateLimiting;

/// <summary>
/// A key's request budget: a token bucket of <see cref="Burst"/> tokens refilled by <see cref="PerSecond"/> each
/// second; every request of the key, whatever its tenant, takes one.
/// </summary>
public sealed record KeyRateLimit(int PerSecond, int Burst)
{
    public const int MaxPerSecond = 1_000_000;
    public const int MaxBurst = 10_000_000;

    /// <summary>The limit written in a key's Secret or on the command line; null when absent or not two positive integers in range.</summary>
    public static KeyRateLimit? Parse(string? perSecond, string? burst)
    {
        if (!TryCount(perSecond, MaxPerSecond, out var rate)) return null;
        if (burst is null || burst.Trim().Length == 0) return new KeyRateLimit(rate, (int)Math.Min(MaxBurst, rate * 2L));
        return TryCount(burst, MaxBurst, out var size) ? new KeyRateLimit(rate, size) : null;
    }

    private static bool TryCount(string? text, int max, out int value) =>
        int.TryParse(text?.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out value) && value >= 1 && value <= max;

    public override string ToString() => $"{PerSecond}/s burst {Burst}";
}
