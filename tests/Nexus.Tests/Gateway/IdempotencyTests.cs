using System.Text.Json;
using Nexus.Gateway.Idempotency;

namespace Nexus.Tests.Gateway;

public class IdempotencyTests
{
    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement.Clone();

    [Fact]
    public void Request_hash_ignores_formatting_but_not_content()
    {
        var a = IdempotencyKeys.RequestHash("job", [("competitor_scan", "normal", Json("""{"skus":["A"],"marketplace":"amazon_us"}"""))]);
        var b = IdempotencyKeys.RequestHash("job", [("competitor_scan", "normal", Json("""{ "skus" : [ "A" ] , "marketplace" : "amazon_us" }"""))]);
        var c = IdempotencyKeys.RequestHash("job", [("competitor_scan", "high", Json("""{"skus":["A"],"marketplace":"amazon_us"}"""))]);
        var d = IdempotencyKeys.RequestHash("batch", [("competitor_scan", "normal", Json("""{"skus":["A"],"marketplace":"amazon_us"}"""))]);
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
        Assert.NotEqual(a, d);
    }

    [Fact]
    public void Request_hash_ignores_the_order_of_keys_inside_params_at_any_depth()
    {
        var a = IdempotencyKeys.RequestHash("job", [("pricing_recalculate", "normal",
            Json("""{"skus":["A","B"],"marketplace":"amazon_us","apply":false,"extra":{"x":1,"y":[{"p":1,"q":2}]}}"""))]);
        var b = IdempotencyKeys.RequestHash("job", [("pricing_recalculate", "normal",
            Json("""{"extra":{"y":[{"q":2,"p":1}],"x":1},"apply":false,"marketplace":"amazon_us","skus":["A","B"]}"""))]);
        var reorderedArray = IdempotencyKeys.RequestHash("job", [("pricing_recalculate", "normal",
            Json("""{"skus":["B","A"],"marketplace":"amazon_us","apply":false,"extra":{"x":1,"y":[{"p":1,"q":2}]}}"""))]);
        Assert.Equal(a, b);
        Assert.NotEqual(a, reorderedArray);
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
        Assert.Equal(valid, IdempotencyKeys.IsValidKey(key));
    }
}
