using System.IO.Compression;
using System.Text;
using k8s.Models;
using Nexus.Crds.Entities;

namespace Nexus.Tests.Crds;

public class ResultEncodingTests
{
    private const string Result = """{"processed_count":2,"recommendations":[{"sku":"SKU-001"}]}""";

    private static byte[] Gzip(string text)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest)) gzip.Write(Encoding.UTF8.GetBytes(text));
        return output.ToArray();
    }

    [Fact]
    public void What_the_operator_encodes_the_gateway_reads_back()
    {
        var stored = ResultEncoding.Encode(Encoding.UTF8.GetBytes(Result));
        Assert.NotEqual(Result, stored);
        Assert.Equal(Result, ResultEncoding.Decode(stored));
        var configMap = new V1ConfigMap { Data = new Dictionary<string, string> { [ResultEncoding.Key] = stored } };
        var reference = new AiJobResultRef { ConfigMap = ResultEncoding.ConfigMapName("job-x"), Key = ResultEncoding.Key, Encoding = ResultEncoding.GzipBase64 };
        Assert.Equal("job-x-result", reference.ConfigMap);
        Assert.Equal(Result, Encoding.UTF8.GetString(ResultEncoding.Read(configMap, reference)!));
    }

    [Fact]
    public void Results_stored_as_json_text_decode_as_they_are()
    {
        var cm = new V1ConfigMap { Data = new Dictionary<string, string> { ["result"] = Result } };
        var bytes = ResultEncoding.Read(cm, new AiJobResultRef { ConfigMap = "x", Key = "result", Encoding = "json" });
        Assert.Equal(Result, Encoding.UTF8.GetString(bytes!));
    }

    [Fact]
    public void Results_stored_gzipped_decode_from_base64_text_or_binary_data()
    {
        var reference = new AiJobResultRef { ConfigMap = "x", Key = "result", Encoding = "gzip+base64" };
        var asText = new V1ConfigMap { Data = new Dictionary<string, string> { ["result"] = Convert.ToBase64String(Gzip(Result)) } };
        var asBinary = new V1ConfigMap { BinaryData = new Dictionary<string, byte[]> { ["result"] = Gzip(Result) } };
        Assert.Equal(Result, Encoding.UTF8.GetString(ResultEncoding.Read(asText, reference)!));
        Assert.Equal(Result, Encoding.UTF8.GetString(ResultEncoding.Read(asBinary, reference)!));
        Assert.Null(ResultEncoding.Read(asText, new AiJobResultRef { ConfigMap = "x", Key = "other" }));
    }
}
