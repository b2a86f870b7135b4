using System.Text.Json;
using System.Text.Json.Serialization;

namespace Nexus.Gateway.Api;

// Request shapes as the OpenAPI document describes them. Handlers parse bodies themselves (to answer every
// malformed body with the API's own error codes), so these types exist for the document only.

/// <summary>Body of <c>POST /api/ai-jobs</c>.</summary>
public sealed record DispatchJobBody(
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("params")] JsonElement Params,
    [property: JsonPropertyName("priority")] string? Priority);

/// <summary>Body of <c>POST /api/ai-jobs/batch</c>: 1-20 jobs.</summary>
public sealed record DispatchBatchBody(
    [property: JsonPropertyName("jobs")] IReadOnlyList<DispatchJobBody> Jobs,
    [property: JsonPropertyName("sequential")] bool? Sequential);

public sealed record HealthBody([property: JsonPropertyName("status")] string Status);
