using System.Globalization;
using System.Text.RegularExpressions;

namespace Nexus.Gateway.Events;

/// <summary>
/// An event id: <c>&lt;epoch&gt;-&lt;sequence&gt;</c>. The epoch names the gateway process that assigned the sequence, so
/// an id from a restarted or another gateway is recognised as one this ring cannot resume from.
/// </summary>
public readonly partial record struct StreamPosition(string Epoch, long Sequence)
{
    public const int MaxLength = 64;

    public override string ToString() => $"{Epoch}-{Sequence.ToString(CultureInfo.InvariantCulture)}";

    public static bool TryParse(string? text, out StreamPosition position)
    {
        position = default;
        if (text is null || text.Length > MaxLength) return false;
        var match = Shape().Match(text);
        if (!match.Success || !long.TryParse(match.Groups[2].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out var sequence)) return false;
        position = new StreamPosition(match.Groups[1].Value, sequence);
        return true;
    }

    [GeneratedRegex("^([0-9a-z]{1,32})-([0-9]{1,18})$")]
    private static partial Regex Shape();
}
