using Microsoft.AspNetCore.Http.HttpResults;
using Nexus.Gateway.Auth;
using Nexus.Gateway.Cache;
using Nexus.Gateway.History;
using Nexus.Gateway.Outcomes;
using Nexus.Shared;
using Prometheus;

namespace Nexus.Gateway.Api;

/// <summary>Probes and metrics.</summary>
public static class OpsEndpoints
{
    public static IEndpointRouteBuilder MapOpsEndpoints(this IEndpointRouteBuilder app)
    {
        var ops = app.MapGroup("").WithTags("Operations");

        // Liveness never looks at the API server: restarting the gateway would not bring it back.
        ops.MapGet("/healthz", () => TypedResults.Ok(new HealthBody("ok"))).WithName("healthz")
            .WithSummary("Liveness: the process serves requests");

        ops.MapGet("/readyz", Ready).WithName("readyz")
            .WithSummary("Readiness: jobs, batches and API keys are loaded and watched, the Kubernetes API server answers, the history database is migrated");

        ops.MapGet("/metrics", () => new MetricsResult()).WithName("metrics")
            .WithSummary("Prometheus metrics (text exposition format)").Produces<string>(200, "text/plain");
        return app;
    }

    [Rejects(ErrorCodes.NotReady)]
    private static Results<Ok<HealthBody>, ApiError> Ready(GatewayCaches caches, JobCache jobs, BatchCache batches, ApiKeyCache keys, KubeApi api,
        HistoryReadiness history)
    {
        if (!caches.IsSynced)
            return new ApiError(new Rejection(ErrorCodes.NotReady, "Caches are not synced yet: " + string.Join(", ", caches.Pending())));
        // Past a short grace, a gateway cut off from the API server serves a cache nobody keeps current.
        if (!api.Health.IsReady)
            return new ApiError(new Rejection(ErrorCodes.NotReady,
                $"The Kubernetes API server has been unreachable since {api.Health.UnreachableSince:O}: {api.Health.LastError}"));
        // And after a long outage, until every cache has been re-listed from whatever server answers now.
        var stale = new (string Name, DateTimeOffset? Since)[]
            { ("aijobs", jobs.Informer.StaleSince), ("aijobbatches", batches.Informer.StaleSince), ("api keys", keys.Informer.StaleSince) }
            .Where(c => c.Since is { } since && DateTimeOffset.UtcNow - since >= api.Health.Grace).Select(c => c.Name).ToList();
        if (stale.Count > 0)
            return new ApiError(new Rejection(ErrorCodes.NotReady, "Caches are being re-listed after an API server outage: " + string.Join(", ", stale)));
        if (!history.IsMigrated)
            return new ApiError(new Rejection(ErrorCodes.NotReady, "Not ready yet: history database migration"));
        return TypedResults.Ok(new HealthBody("ready"));
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
