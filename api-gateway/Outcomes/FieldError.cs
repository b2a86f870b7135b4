using System.Text.Json;
using System.Text.Json.Serialization;

namespace Nexus.Gateway.Outcomes;

/// <summary>
/// One field-level problem: <c>field</c> is a path into the request, e.g. <c>params.skus[3]</c>. Params errors also
/// carry the JSON Schema keyword that failed (<c>rule</c>: <c>pattern</c>, <c>maximum</c>, <c>additionalProperties</c>...)
/// and the value found there (<c>value</c>).
/// </summary>
public sealed record FieldError(
    [property: JsonPropertyName("field")] string Field,
    [property: JsonPropertyName("message")] string Message,
    [property: JsonPropertyName("rule")] string? Rule = null,
    [property: JsonPropertyName("value")] JsonElement? Value = null);
