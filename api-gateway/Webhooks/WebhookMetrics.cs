using Prometheus;

namespace Nexus.Gateway.Webhooks;

/// <summary>The webhook sender's Prometheus series (docs/metrics.md).</summary>
public static class WebhookMetrics
{
    public static readonly IReadOnlyList<string> Results = ["delivered", "retry", "failed", "gone"];

    public static readonly Counter Attempts = Prometheus.Metrics.CreateCounter(
        "nexus_gateway_webhook_attempts_total", "Webhook delivery attempts by what they led to: delivered, retry, failed (given up), gone (410: subscription disabled).",
        new CounterConfiguration { LabelNames = ["result"] });

    public static readonly Histogram AttemptSeconds = Prometheus.Metrics.CreateHistogram(
        "nexus_gateway_webhook_attempt_seconds", "Duration of one webhook delivery attempt, until the receiver's answer headers or the failure.",
        new HistogramConfiguration { Buckets = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] });

    public static readonly Gauge InFlight = Prometheus.Metrics.CreateGauge(
        "nexus_gateway_webhook_in_flight", "Webhook deliveries this gateway is sending now.");

    public static void PublishKnownSeries()
    {
        foreach (var result in Results) Attempts.WithLabels(result).Publish();
    }
}
