using Microsoft.AspNetCore.Http.HttpResults;
using Nexus.Gateway.Cache;
using Nexus.Gateway.History;
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

        ops.MapGet("/readyz", Ready).WithName("readyz").WithSummary("Readiness: jobs, batches and API keys are loaded and watched, the history database is migrated");

        ops.MapGet("/metrics", () => new MetricsResult()).WithName("metrics")
            .WithSummary("Prometheus metrics (text exposition format)").Produces<string>(200, "text/plain");
        return app;
    }

    [Rejects(ErrorCodes.NotReady)]
    private static Results<Ok<HealthBody>, ApiError> Ready(GatewayCaches caches, HistoryReadiness history)
    {
        if (caches.IsSynced && history.IsMigrated) return TypedResults.Ok(new HealthBody("ready"));
        var pending = caches.Pending().ToList();
        if (!history.IsMigrated) pending.Add("history database migration");
        return new ApiError(new Rejection(ErrorCodes.NotReady, "Not ready yet: " + string.Join(", ", pending)));
    }

    private sealed class MetricsResult : IResult
    {
        public async Task ExecuteAsync(HttpContext context)
        {
            context.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
            await Prometheus.Metrics.DefaultRegistry.CollectAndExportAsTextAsync(context.Response.Body, context.RequestAborted);
        }
    }
}
