using System.Text.Json.Serialization;

namespace Nexus.Gateway.Outcomes;

/// <summary>One field-level problem: <c>field</c> is a path into the request, e.g. <c>params.skus[3]</c>.</summary>
public sealed record FieldError(
    [property: JsonPropertyName("field")] string Field,
    [property: JsonPropertyName("message")] string Message);
