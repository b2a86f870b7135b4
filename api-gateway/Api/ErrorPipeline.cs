using Microsoft.AspNetCore.Diagnostics;
using Nexus.Gateway.Kube;

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
                    UpstreamUnavailableException e => ErrorCodes.Make(ErrorCodes.UpstreamUnavailable, e.Message),
                    k8s.Autorest.HttpOperationException => ErrorCodes.Make(ErrorCodes.UpstreamUnavailable, "The Kubernetes API refused the request"),
                    BadHttpRequestException { StatusCode: 413 } => ErrorCodes.Make(ErrorCodes.PayloadTooLarge, "Request body too large"),
                    BadHttpRequestException e => new ApiError(e.StatusCode, ErrorCodes.InvalidRequest, e.Message),
                    OperationCanceledException when context.RequestAborted.IsCancellationRequested => null,
                    _ => ErrorCodes.Make(ErrorCodes.Internal, "Internal error"),
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
                404 => ErrorCodes.Make(ErrorCodes.NotFound, $"No route {http.Request.Method} {http.Request.Path}"),
                405 => ErrorCodes.Make(ErrorCodes.MethodNotAllowed, $"Method {http.Request.Method} is not allowed on {http.Request.Path}"),
                415 => ErrorCodes.Make(ErrorCodes.UnsupportedMediaType, "Unsupported media type"),
                413 => ErrorCodes.Make(ErrorCodes.PayloadTooLarge, "Request body too large"),
                var s when s >= 500 => new ApiError(s, ErrorCodes.Internal, "Internal error"),
                var s => new ApiError(s, ErrorCodes.InvalidRequest, "Bad request"),
            };
            await error.ExecuteAsync(http);
        });
    }
}
