using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Nexus.Gateway.Api;

/// <summary>JSON settings of every response: names come from attributes (snake_case), nulls are left out.</summary>
public static class ApiJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>Limits for request bodies: deep nesting is refused rather than recursed into.</summary>
    public static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 64 };
}
