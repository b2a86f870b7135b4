using Nexus.Gateway.Cache;
using Prometheus;

namespace Nexus.Gateway.Api;

/// <summary>Probes and metrics.</summary>
public static class OpsEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        var ops = app.MapGroup("").WithTags("Operations");

        ops.MapGet("/healthz", () => Results.Json(new HealthBody("ok"), ApiJson.Options)).WithName("healthz")
            .WithSummary("Liveness: the process serves requests").Produces<HealthBody>();

        ops.MapGet("/readyz", (CacheSync caches) => caches.IsSynced
                ? Results.Json(new HealthBody("ready"), ApiJson.Options)
                : ErrorCodes.Make(ErrorCodes.NotReady, "Caches are not synced yet: " + string.Join(", ", caches.Pending())))
            .WithName("readyz").WithSummary("Readiness: jobs, batches and API keys are loaded and watched")
            .Produces<HealthBody>().ProducesErrors(503);

        ops.MapGet("/metrics", () => new MetricsResult()).WithName("metrics")
            .WithSummary("Prometheus metrics (text exposition format)").Produces<string>(200, "text/plain");
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
