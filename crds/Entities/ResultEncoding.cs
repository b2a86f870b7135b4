using System.IO.Compression;
using System.Text;
using k8s.Models;

namespace Nexus.Crds.Entities;

/// <summary>
/// How a result too large for the status is kept in a ConfigMap (<c>status.resultRef</c>): the JSON gzipped and
/// base64-encoded under <see cref="Key"/>. The operator encodes, the gateway decodes; both only through here.
/// </summary>
public static class ResultEncoding
{
    public const string Key = "result.json.gz";
    public const string GzipBase64 = "gzip+base64";

    public static string ConfigMapName(string jobName) => jobName + "-result";

    /// <summary>JSON bytes → the stored text.</summary>
    public static string Encode(byte[] json) => Convert.ToBase64String(Gzip(json));

    /// <summary>The stored text → the JSON text.</summary>
    public static string Decode(string stored) => Encoding.UTF8.GetString(Gunzip(Convert.FromBase64String(stored.Trim())));

    /// <summary>
    /// The JSON bytes a reference points at: text in <c>data</c> (JSON, or gzip+base64 when the reference says so),
    /// or gzip (or plain) bytes in <c>binaryData</c>; null when the key is missing.
    /// </summary>
    public static byte[]? Read(V1ConfigMap configMap, AiJobResultRef reference)
    {
        var gzip = string.Equals(reference.Encoding, GzipBase64, StringComparison.OrdinalIgnoreCase);
        if (configMap.Data?.TryGetValue(reference.Key, out var text) == true && text is not null)
            return gzip ? Gunzip(Convert.FromBase64String(text.Trim())) : Encoding.UTF8.GetBytes(text);
        if (configMap.BinaryData?.TryGetValue(reference.Key, out var binary) == true && binary is not null)
            return IsGzip(binary) ? Gunzip(binary) : binary;
        return null;
    }

    private static bool IsGzip(byte[] bytes) => bytes.Length > 2 && bytes[0] == 0x1f && bytes[1] == 0x8b;

    private static byte[] Gzip(byte[] data)
    {
        using var output = new MemoryStream();
        using (var gz = new GZipStream(output, CompressionLevel.Optimal)) gz.Write(data);
        return output.ToArray();
    }

    private static byte[] Gunzip(byte[] compressed)
    {
        using var input = new GZipStream(new MemoryStream(compressed), CompressionMode.Decompress);
        using var output = new MemoryStream();
        input.CopyTo(output);
        return output.ToArray();
    }
}
