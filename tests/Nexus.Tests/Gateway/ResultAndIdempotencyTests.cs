using System.IO.Compression;
using System.Text;
using System.Text.Json;
using k8s.Models;
using Nexus.Crds.Entities;
using Nexus.Gateway.Idempotency;
using Nexus.Gateway.Jobs;

namespace Nexus.Tests.Gateway;

public class ResultAndIdempotencyTests
{
    private const string Result = """{"processed_count":2,"recommendations":[{"sku":"SKU-001"}]}""";

    private static byte[] Gzip(string text)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest)) gzip.Write(Encoding.UTF8.GetBytes(text));
        return output.ToArray();
    }

    [Fact]
    public void Results_stored_as_json_text_decode_as_they_are()
    {
        var cm = new V1ConfigMap { Data = new Dictionary<string, string> { ["result"] = Result } };
        var bytes = ResultResolver.Decode(cm, new AiJobResultRef { ConfigMap = "x", Key = "result", Encoding = "json" });
        Assert.Equal(Result, Encoding.UTF8.GetString(bytes!));
    }

    [Fact]
    public void Results_stored_gzipped_decode_from_base64_text_or_binary_data()
    {
        var reference = new AiJobResultRef { ConfigMap = "x", Key = "result", Encoding = "gzip+base64" };
        var asText = new V1ConfigMap { Data = new Dictionary<string, string> { ["result"] = Convert.ToBase64String(Gzip(Result)) } };
        var asBinary = new V1ConfigMap { BinaryData = new Dictionary<string, byte[]> { ["result"] = Gzip(Result) } };
        Assert.Equal(Result, Encoding.UTF8.GetString(ResultResolver.Decode(asText, reference)!));
        Assert.Equal(Result, Encoding.UTF8.GetString(ResultResolver.Decode(asBinary, reference)!));
        Assert.Null(ResultResolver.Decode(asText, new AiJobResultRef { ConfigMap = "x", Key = "other" }));
    }

    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement.Clone();

    [Fact]
    public void Request_hash_ignores_formatting_but_not_content()
    {
        var a = IdempotencyStore.RequestHash("job", [("competitor_scan", "normal", Json("""{"skus":["A"],"marketplace":"amazon_us"}"""))]);
        var b = IdempotencyStore.RequestHash("job", [("competitor_scan", "normal", Json("""{ "skus" : [ "A" ] , "marketplace" : "amazon_us" }"""))]);
        var c = IdempotencyStore.RequestHash("job", [("competitor_scan", "high", Json("""{"skus":["A"],"marketplace":"amazon_us"}"""))]);
        var d = IdempotencyStore.RequestHash("batch", [("competitor_scan", "normal", Json("""{"skus":["A"],"marketplace":"amazon_us"}"""))]);
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
        Assert.NotEqual(a, d);
    }

    [Fact]
    public void Records_are_named_per_tenant_and_key_and_round_trip()
    {
        Assert.NotEqual(IdempotencyRecord.RecordName("acme", "k"), IdempotencyRecord.RecordName("globex", "k"));
        Assert.Equal(IdempotencyRecord.RecordName("acme", "k"), IdempotencyRecord.RecordName("acme", "k"));
        Assert.True(IdempotencyRecord.RecordName("acme", "k").Length <= 63);
        var record = new IdempotencyRecord("job", "abc", "job-01arz3ndektsv4rrffq69g5fav", DateTimeOffset.UtcNow);
        Assert.Equal(record, IdempotencyRecord.From(record.ToConfigMap("n", "acme")));
    }

    [Theory]
    [InlineData("order-42", true)]
    [InlineData("", false)]
    [InlineData("has space", false)]
    [InlineData("ünïcode", false)]
    public void Idempotency_keys_are_visible_ascii(string key, bool valid)
    {
        Assert.Equal(valid, IdempotencyStore.IsValidKey(key));
    }

    [Fact]
    public void Created_at_comes_from_the_ulid_millisecond()
    {
        var at = new DateTimeOffset(2026, 3, 12, 14, 32, 1, 123, TimeSpan.Zero);
        var name = "job-" + Ulid.NewUlid(at).ToLowerInvariant();
        Assert.Equal(at, JobTimes.CreatedAt(name, new DateTime(2026, 3, 12, 14, 32, 1, DateTimeKind.Utc)));
        Assert.Equal("2026-03-12T14:32:01.123Z", JobTimes.Format(JobTimes.CreatedAt(name, null)));
        Assert.Equal(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero),
            JobTimes.CreatedAt("made-by-kubectl", new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc)));
        Assert.Equal(27, JobTimes.DurationSeconds(new DateTime(2026, 1, 1, 0, 0, 5), new DateTime(2026, 1, 1, 0, 0, 32)));
    }
}
