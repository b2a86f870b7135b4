using Prometheus;

namespace Nexus.Gateway.Events;

/// <summary>The event streams' series on <c>/metrics</c>.</summary>
public static class EventMetrics
{
    public static readonly Gauge OpenStreams = Prometheus.Metrics.CreateGauge(
        "nexus_gateway_event_streams", "Event streams (Server-Sent Events) open on this gateway.");

    public static readonly Counter EventsSent = Prometheus.Metrics.CreateCounter(
        "nexus_gateway_events_sent_total", "Job events written to event streams.");

    public static readonly Counter Resets = Prometheus.Metrics.CreateCounter(
        "nexus_gateway_event_resets_total", "reset events sent, by reason (unknown_epoch, expired, too_slow).",
        new CounterConfiguration { LabelNames = ["reason"] });

    public static readonly Gauge RingHead = Prometheus.Metrics.CreateGauge(
        "nexus_gateway_event_ring_sequence", "Sequence of the newest job change in the event ring (the rate of changes).");
}
