using Microsoft.AspNetCore.Diagnostics;
using Nexus.Gateway.Outcomes;
using Nexus.Shared;

namespace Nexus.Gateway.Api;

/// <summary>
/// Makes every failure answer in the API's error envelope: unknown routes, wrong methods, exceptions, empty answers
/// of the framework (status-code pages). What the web server refuses before the app runs: <see cref="ServerRejections"/>.
/// </summary>
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
                    // The history database could not be reached on a path without its own answer for that.
                    Nexus.Shared.History.HistoryUnavailableException => ApiError.Of(ErrorCodes.HistoryUnavailable, "The job history database is unavailable; retry"),
                    HttpRequestException => ApiError.Of(ErrorCodes.UpstreamUnavailable, "Kubernetes API unreachable"),
                    OperationCanceledException when context.RequestAborted.IsCancellationRequested => null,
                    TaskCanceledException => ApiError.Of(ErrorCodes.UpstreamUnavailable, "Kubernetes API timed out"),
                    // The web server refused the request while the app read it (body too large, too slow, badly framed).
                    BadHttpRequestException { StatusCode: 413 } => ApiError.Of(ErrorCodes.PayloadTooLarge, "Request body too large"),
                    BadHttpRequestException e => new ApiError(e.StatusCode, new Rejection(ErrorStatuses.CodeOfStatus(e.StatusCode), e.Message)),
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
                415 => ApiError.Of(ErrorCodes.UnsupportedMediaType,
                    $"Unsupported media type '{http.Request.ContentType}'; send {string.Join(" or ", RequestBody.JsonMediaTypes)}"),
                413 => ApiError.Of(ErrorCodes.PayloadTooLarge, "Request body too large"),
                var s when s >= 500 => new ApiError(s, new Rejection(ErrorStatuses.CodeOfStatus(s), "Internal error")),
                var s => new ApiError(s, new Rejection(ErrorStatuses.CodeOfStatus(s), $"Request refused ({s})")),
            };
            await error.ExecuteAsync(http);
        });
    }
}
