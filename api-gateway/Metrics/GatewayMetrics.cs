using Nexus.Crds.Entities;
using Nexus.Gateway.Api;
using Prometheus;

namespace Nexus.Gateway.Metrics;

/// <summary>The gateway's own Prometheus series; alert rules are written against these names.</summary>
public static class GatewayMetrics
{
    public static readonly Counter JobsDispatched = Prometheus.Metrics.CreateCounter(
        "nexus_gateway_jobs_dispatched_total", "AiJobs created through the API (batch children included).",
        new CounterConfiguration { LabelNames = ["type", "priority"] });

    public static readonly Counter RequestsRejected = Prometheus.Metrics.CreateCounter(
        "nexus_gateway_requests_rejected_total", "Requests answered with an error, by error code.",
        new CounterConfiguration { LabelNames = ["code"] });

    public static readonly Gauge CachedJobs = Prometheus.Metrics.CreateGauge(
        "nexus_gateway_cached_jobs", "AiJobs held in the gateway's watch-backed cache.");

    public static readonly Counter DirectReads = Prometheus.Metrics.CreateCounter(
        "nexus_gateway_cache_direct_reads_total", "Reads that missed the cache and went to the Kubernetes API.");

    /// <summary>
    /// Publishes every known label set at zero, so the series exist from the first scrape: rate() and alert rules
    /// over them work before the first dispatch or rejection, and "absent" means the gateway is down, not idle.
    /// </summary>
    public static void PublishKnownSeries()
    {
        foreach (var type in JobTypes.All)
        {
            foreach (var priority in Priorities.All) JobsDispatched.WithLabels(type, priority).Publish();
        }
        foreach (var code in ErrorStatuses.ByCode.Keys) RequestsRejected.WithLabels(code).Publish();
    }
}
