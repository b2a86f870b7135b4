using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.Metadata;
using Nexus.Gateway.Metrics;
using Nexus.Gateway.Outcomes;

namespace Nexus.Gateway.Api;

/// <summary>
/// An error answer: <c>{"error": {"code", "message", "details"?}}</c> with the status of its code, counted by code.
/// As a handler's declared result it documents, in the OpenAPI document, the statuses of the codes the handler
/// lists in its <see cref="RejectsAttribute"/>.
/// </summary>
public sealed class ApiError : IResult, IEndpointMetadataProvider
{
    public ApiError(Rejection rejection) : this(ErrorStatuses.Of(rejection.Code), rejection)
    {
    }

    /// <summary>An answer whose status is not the code's own (framework status pages: 4xx/5xx as they came).</summary>
    public ApiError(int status, Rejection rejection)
    {
        Status = status;
        Rejection = rejection;
    }

    public int Status { get; }
    public Rejection Rejection { get; }
    public string Code => Rejection.Code;

    public static ApiError Of(string code, string message, IReadOnlyList<FieldError>? details = null) => new(new Rejection(code, message, details));

    public static implicit operator ApiError(Rejection rejection) => new(rejection);

    public async Task ExecuteAsync(HttpContext context)
    {
        GatewayMetrics.RequestsRejected.WithLabels(Code).Inc();
        var response = context.Response;
        response.StatusCode = Status;
        response.ContentType = "application/json; charset=utf-8";
        if (Rejection.RetryAfterSeconds is { } seconds)
            response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var body = new ErrorEnvelope(ApiBounds.ErrorBody(Code, Rejection.Message, Rejection.Details));
        await JsonSerializer.SerializeAsync(response.Body, body, ApiJson.Options, context.RequestAborted).ConfigureAwait(false);
    }

    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder)
    {
        var codes = method.GetCustomAttributes<RejectsAttribute>().SelectMany(a => a.Codes);
        foreach (var status in codes.Select(ErrorStatuses.Of).Distinct().Order())
            builder.Metadata.Add(new ProducesResponseTypeMetadata(status, typeof(ErrorEnvelope), ["application/json"]));
    }
}

/// <summary>The error codes a handler can answer with (besides authentication's and the Kubernetes API's 503).</summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = true)]
public sealed class RejectsAttribute(params string[] codes) : Attribute
{
    public IReadOnlyList<string> Codes { get; } = codes;
}

public sealed record ErrorEnvelope([property: JsonPropertyName("error")] ErrorBody Error);

public sealed record ErrorBody(
    [property: JsonPropertyName("code")] string Code,
    [property: JsonPropertyName("message")] string Message,
    [property: JsonPropertyName("details")] IReadOnlyList<FieldError>? Details);
