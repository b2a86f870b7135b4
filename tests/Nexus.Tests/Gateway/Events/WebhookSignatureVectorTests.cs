using System.Text;
using System.Text.Json;
using Nexus.Gateway.Webhooks;
using Nexus.Tests.Support;

namespace Nexus.Tests.Gateway.Events;

/// <summary>
/// The signatures the Python client's <c>verify_webhook</c> is tested against (clients/python/tests/webhook_vectors.json)
/// are exactly what the gateway's signer writes: one fixed set of vectors, asserted on both sides.
/// </summary>
public sealed class WebhookSignatureVectorTests
{
    [Fact]
    public void The_gateways_signer_gives_the_clients_vectors()
    {
        using var file = JsonDocument.Parse(File.ReadAllText(RepoPaths.Of("clients/python/tests/webhook_vectors.json")));
        var vectors = file.RootElement.GetProperty("vectors").EnumerateArray().ToList();
        Assert.True(vectors.Count >= 2);
        foreach (var v in vectors)
        {
            var signed = WebhookSignature.Sign(v.GetProperty("secret").GetString()!, v.GetProperty("id").GetString()!,
                v.GetProperty("timestamp").GetInt64(), Encoding.UTF8.GetBytes(v.GetProperty("body").GetString()!));
            Assert.Equal(v.GetProperty("signature").GetString(), signed);
        }
    }
}
