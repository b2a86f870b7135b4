using System.Text.Json;
using Nexus.Gateway.Validation;

namespace Nexus.Tests.Webhooks;

/// <summary>A dispatch's <c>callback_url</c> as the parser takes it: a string on a single dispatch, nothing in a batch.</summary>
public sealed class CallbackUrlParseTests
{
    private static ParseOutcome Parse(string json, string prefix = "")
    {
        using var doc = JsonDocument.Parse(json);
        return JobRequestParser.ParseJob(doc.RootElement, prefix);
    }

    [Fact]
    public void A_single_dispatch_keeps_its_callback_url()
    {
        var parsed = Parse("""{"type":"review_sentiment","params":{"skus":["SKU-1"]},"callback_url":"https://hooks.example.com/x"}""");
        Assert.True(parsed.Ok);
        Assert.Equal("https://hooks.example.com/x", parsed.Job!.CallbackUrl);
        Assert.Null(Parse("""{"type":"review_sentiment","params":{"skus":["SKU-1"]}}""").Job!.CallbackUrl);
    }

    [Fact]
    public void A_non_string_callback_url_is_refused_and_a_batch_item_has_none()
    {
        var wrong = Parse("""{"type":"review_sentiment","params":{"skus":["SKU-1"]},"callback_url":42}""");
        Assert.Equal("INVALID_CALLBACK_URL", wrong.Code);
        Assert.Equal("callback_url", Assert.Single(wrong.Details).Field);

        var inBatch = Parse("""{"type":"review_sentiment","params":{"skus":["SKU-1"]},"callback_url":"https://hooks.example.com/x"}""", "jobs[0].");
        Assert.Equal("INVALID_REQUEST", inBatch.Code);
        Assert.Equal("jobs[0].callback_url", Assert.Single(inBatch.Details).Field);
    }
}
