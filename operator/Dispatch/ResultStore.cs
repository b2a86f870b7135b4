using System.IO.Compression;
using System.Text;
using System.Text.Json;

namespace Nexus.Operator.Dispatch;

public enum ResultPlacement { Inline, ConfigMap, TooLarge }

/// <summary>Where a result goes: status (small), a gzip+base64 ConfigMap value (large), or nowhere (too large).</summary>
public static class ResultStore
{
    public const string Key = "result.json.gz";
    public const string Encoding = "gzip+base64";

    public static (ResultPlacement Placement, long RawBytes, string? Stored) Place(JsonElement result, int inlineMax, int configMapMax)
    {
        var raw = System.Text.Encoding.UTF8.GetBytes(result.GetRawText());
        if (raw.Length <= inlineMax) return (ResultPlacement.Inline, raw.Length, null);
        var encoded = Convert.ToBase64String(Gzip(raw));
        return encoded.Length <= configMapMax
            ? (ResultPlacement.ConfigMap, raw.Length, encoded)
            : (ResultPlacement.TooLarge, raw.Length, null);
    }

    public static string ConfigMapName(string jobName) => jobName + "-result";

    public static byte[] Gzip(byte[] data)
    {
        using var output = new MemoryStream();
        using (var gz = new GZipStream(output, CompressionLevel.Optimal)) gz.Write(data);
        return output.ToArray();
    }

    public static string Decode(string stored)
    {
        using var input = new MemoryStream(Convert.FromBase64String(stored));
        using var gz = new GZipStream(input, CompressionMode.Decompress);
        using var reader = new StreamReader(gz, System.Text.Encoding.UTF8);
        return reader.ReadToEnd();
    }
}
