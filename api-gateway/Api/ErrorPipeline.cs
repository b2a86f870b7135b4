using Microsoft.AspNetCore.Diagnostics;
using Nexus.Gateway.Outcomes;
using Nexus.Shared;

namespace Nexus.Gateway.Api;

/// <summary>Makes every failure answer in the API's error envelope: unknown routes, wrong methods, exceptions.</summary>
public static class ErrorPipeline
{
    public static void UseApiErrors(this WebApplication app)
    {
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            ExceptionHandler = async context =>
            {
                var exception = context.Features.Get<IExceptionHandlerFeature>()?.Error;
                var error = exception switch
                {
                    // The Kubernetes API answered with a failure no handler decides on, or cannot be reached: the
                    // client gets 503 and may retry.
                    KubeApiException e => ApiError.Of(ErrorCodes.UpstreamUnavailable, $"Kubernetes API failed: {(int)e.Status} {e.Reason}".TrimEnd()),
                    HttpRequestException => ApiError.Of(ErrorCodes.UpstreamUnavailable, "Kubernetes API unreachable"),
                    OperationCanceledException when context.RequestAborted.IsCancellationRequested => null,
                    TaskCanceledException => ApiError.Of(ErrorCodes.UpstreamUnavailable, "Kubernetes API timed out"),
                    BadHttpRequestException { StatusCode: 413 } => ApiError.Of(ErrorCodes.PayloadTooLarge, "Request body too large"),
                    BadHttpRequestException e => new ApiError(e.StatusCode, new Rejection(ErrorCodes.InvalidRequest, e.Message)),
                    _ => ApiError.Of(ErrorCodes.Internal, "Internal error"),
                };
                if (error is null) return;
                if (error.Code == ErrorCodes.Internal)
                    context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Nexus.Gateway.Errors")
                        .LogError(exception, "Unhandled error on {Method} {Path}", context.Request.Method, context.Request.Path);
                await error.ExecuteAsync(context);
            },
        });

        app.UseStatusCodePages(async context =>
        {
            var http = context.HttpContext;
            var error = http.Response.StatusCode switch
            {
                404 => ApiError.Of(ErrorCodes.NotFound, $"No route {http.Request.Method} {http.Request.Path}"),
                405 => ApiError.Of(ErrorCodes.MethodNotAllowed, $"Method {http.Request.Method} is not allowed on {http.Request.Path}"),
                415 => ApiError.Of(ErrorCodes.UnsupportedMediaType, "Unsupported media type"),
                413 => ApiError.Of(ErrorCodes.PayloadTooLarge, "Request body too large"),
                var s when s >= 500 => new ApiError(s, new Rejection(ErrorCodes.Internal, "Internal error")),
                var s => new ApiError(s, new Rejection(ErrorCodes.InvalidRequest, "Bad request")),
            };
            await error.ExecuteAsync(http);
        });
    }
}
