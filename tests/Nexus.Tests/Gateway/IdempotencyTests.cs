using System.Text.Json;
using Nexus.Gateway.Idempotency;
using Nexus.Gateway.Validation;

namespace Nexus.Tests.Gateway;

public class IdempotencyTests
{
    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement.Clone();

    [Fact]
    public void Request_hash_ignores_formatting_but_not_content()
    {
        var a = RequestFingerprint.Of("job", [("competitor_scan", "normal", Json("""{"skus":["A"],"marketplace":"amazon_us"}"""))]);
        var b = RequestFingerprint.Of("job", [("competitor_scan", "normal", Json("""{ "skus" : [ "A" ] , "marketplace" : "amazon_us" }"""))]);
        var c = RequestFingerprint.Of("job", [("competitor_scan", "high", Json("""{"skus":["A"],"marketplace":"amazon_us"}"""))]);
        var d = RequestFingerprint.Of("batch", [("competitor_scan", "normal", Json("""{"skus":["A"],"marketplace":"amazon_us"}"""))]);
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
        Assert.NotEqual(a, d);
    }

    [Fact]
    public void Request_hash_depends_on_the_callback_url_and_is_unchanged_without_one()
    {
        var body = Json("""{"skus":["A"],"marketplace":"amazon_us"}""");
        var plain = RequestFingerprint.Of("job", [new JobRequest("competitor_scan", "normal", body)]);
        var hooked = RequestFingerprint.Of("job", [new JobRequest("competitor_scan", "normal", body, "https://hooks.example.com/a")]);
        var elsewhere = RequestFingerprint.Of("job", [new JobRequest("competitor_scan", "normal", body, "https://hooks.example.com/b")]);
        // The same key with another receiver is another request: replaying the first answer would notify the wrong one.
        Assert.NotEqual(plain, hooked);
        Assert.NotEqual(hooked, elsewhere);
        // Keys stored before callback_url counted still match their repeats.
        Assert.Equal(RequestFingerprint.Of("job", [("competitor_scan", "normal", body)]), plain);
    }

    [Fact]
    public void Request_hash_ignores_the_order_of_keys_inside_params_at_any_depth()
    {
        var a = RequestFingerprint.Of("job", [("pricing_recalculate", "normal",
            Json("""{"skus":["A","B"],"marketplace":"amazon_us","apply":false,"extra":{"x":1,"y":[{"p":1,"q":2}]}}"""))]);
        var b = RequestFingerprint.Of("job", [("pricing_recalculate", "normal",
            Json("""{"extra":{"y":[{"q":2,"p":1}],"x":1},"apply":false,"marketplace":"amazon_us","skus":["A","B"]}"""))]);
        var reorderedArray = RequestFingerprint.Of("job", [("pricing_recalculate", "normal",
            Json("""{"skus":["B","A"],"marketplace":"amazon_us","apply":false,"extra":{"x":1,"y":[{"p":1,"q":2}]}}"""))]);
        Assert.Equal(a, b);
        Assert.NotEqual(a, reorderedArray);
    }

    [Theory]
    [InlineData("order-42", true)]
    [InlineData("", false)]
    [InlineData("has space", false)]
    [InlineData("ünïcode", false)]
    public void Idempotency_keys_are_visible_ascii(string key, bool valid)
    {
        Assert.Equal(valid, Nexus.Shared.History.IdempotencyKeys.IsValidKey(key));
    }
}
