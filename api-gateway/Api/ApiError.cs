using System.Text.Json;
using System.Text.Json.Serialization;
using Nexus.Gateway.Metrics;

namespace Nexus.Gateway.Api;

/// <summary>An error answer: <c>{"error": {"code", "message", "details"?}}</c>, counted by code.</summary>
public sealed class ApiError(int status, string code, string message, IReadOnlyList<FieldError>? details = null) : IResult
{
    public int Status { get; } = status;
    public string Code { get; } = code;
    public string Message { get; } = message;
    public IReadOnlyList<FieldError>? Details { get; } = details;
    public int? RetryAfterSeconds { get; init; }

    public async Task ExecuteAsync(HttpContext context)
    {
        GatewayMetrics.RequestsRejected.WithLabels(Code).Inc();
        var response = context.Response;
        response.StatusCode = Status;
        response.ContentType = "application/json; charset=utf-8";
        if (RetryAfterSeconds is { } seconds) response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var body = new ErrorEnvelope(new ErrorBody(Code, Message, Details is { Count: > 0 } ? Details : null));
        await JsonSerializer.SerializeAsync(response.Body, body, ApiJson.Options, context.RequestAborted).ConfigureAwait(false);
    }
}

public sealed record ErrorEnvelope([property: JsonPropertyName("error")] ErrorBody Error);

public sealed record ErrorBody(
    [property: JsonPropertyName("code")] string Code,
    [property: JsonPropertyName("message")] string Message,
    [property: JsonPropertyName("details")] IReadOnlyList<FieldError>? Details);
