using Microsoft.AspNetCore.Http.HttpResults;
using Nexus.Gateway.Cache;
using Nexus.Gateway.Outcomes;
using Prometheus;

namespace Nexus.Gateway.Api;

/// <summary>Probes and metrics.</summary>
public static class OpsEndpoints
{
    public static IEndpointRouteBuilder MapOpsEndpoints(this IEndpointRouteBuilder app)
    {
        var ops = app.MapGroup("").WithTags("Operations");

        ops.MapGet("/healthz", () => TypedResults.Ok(new HealthBody("ok"))).WithName("healthz")
            .WithSummary("Liveness: the process serves requests");

        ops.MapGet("/readyz", Ready).WithName("readyz").WithSummary("Readiness: jobs, batches and API keys are loaded and watched");

        ops.MapGet("/metrics", () => new MetricsResult()).WithName("metrics")
            .WithSummary("Prometheus metrics (text exposition format)").Produces<string>(200, "text/plain");
        return app;
    }

    [Rejects(ErrorCodes.NotReady)]
    private static Results<Ok<HealthBody>, ApiError> Ready(GatewayCaches caches) => caches.IsSynced
        ? TypedResults.Ok(new HealthBody("ready"))
        : new ApiError(new Rejection(ErrorCodes.NotReady, "Caches are not synced yet: " + string.Join(", ", caches.Pending())));

    private sealed class MetricsResult : IResult
    {
        public async Task ExecuteAsync(HttpContext context)
        {
            context.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
            await Prometheus.Metrics.DefaultRegistry.CollectAndExportAsTextAsync(context.Response.Body, context.RequestAborted);
        }
    }
}
