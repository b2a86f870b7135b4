using System.Text.Json;
using Nexus.Crds.Entities;

namespace Nexus.Operator.Dispatch;

public enum ResultPlacement { Inline, ConfigMap, TooLarge }

/// <summary>
/// Where a result goes: status (small), a ConfigMap value (large), or nowhere (too large). The encoding of the
/// ConfigMap value is the contract's (<see cref="ResultEncoding"/>), which the gateway decodes.
/// </summary>
public static class ResultPlacer
{
    public static (ResultPlacement Placement, long RawBytes, string? Stored) Place(JsonElement result, int inlineMax, int configMapMax)
    {
        var raw = System.Text.Encoding.UTF8.GetBytes(result.GetRawText());
        if (raw.Length <= inlineMax) return (ResultPlacement.Inline, raw.Length, null);
        var encoded = ResultEncoding.Encode(raw);
        return encoded.Length <= configMapMax
            ? (ResultPlacement.ConfigMap, raw.Length, encoded)
            : (ResultPlacement.TooLarge, raw.Length, null);
    }
}
