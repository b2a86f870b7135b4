using System.Text.Json.Serialization;
using Nexus.Crds.Entities;
using Nexus.Shared.History;

namespace Nexus.Gateway.Webhooks;

/// <summary>A subscription as the API shows it; <see cref="Secret"/> only in the answer that created it.</summary>
public sealed class WebhookView
{
    [JsonPropertyName("id")] public required string Id { get; init; }
    [JsonPropertyName("url")] public required string Url { get; init; }
    [JsonPropertyName("events")] public required IReadOnlyList<string> Events { get; init; }
    [JsonPropertyName("status")] public required string Status { get; init; }
    [JsonPropertyName("secret")] public string? Secret { get; init; }
    [JsonPropertyName("created_at")] public required string CreatedAt { get; init; }
    [JsonPropertyName("disabled_at")] public string? DisabledAt { get; init; }
    [JsonPropertyName("disabled_reason")] public string? DisabledReason { get; init; }

    public static WebhookView Of(WebhookSubscription s, bool withSecret = false) => new()
    {
        Id = s.Id, Url = s.Url, Events = s.Events, Status = s.DisabledAt is null ? "enabled" : "disabled",
        Secret = withSecret ? s.Secret : null, CreatedAt = JobTimes.Format(s.CreatedAt),
        DisabledAt = s.DisabledAt is { } d ? JobTimes.Format(d) : null, DisabledReason = s.DisabledReason,
    };
}

public sealed record WebhookAttemptView(
    [property: JsonPropertyName("number")] int Number,
    [property: JsonPropertyName("started_at")] string StartedAt,
    [property: JsonPropertyName("duration_ms")] int DurationMs,
    [property: JsonPropertyName("status_code")] int? StatusCode,
    [property: JsonPropertyName("error")] string? Error);

/// <summary>One delivery (one event to one receiver; <c>id</c> is its <c>webhook-id</c>) with every attempt.</summary>
public sealed class WebhookDeliveryView
{
    [JsonPropertyName("id")] public required string Id { get; init; }
    [JsonPropertyName("event_type")] public required string EventType { get; init; }
    [JsonPropertyName("resource_id")] public required string ResourceId { get; init; }
    [JsonPropertyName("url")] public required string Url { get; init; }
    [JsonPropertyName("status")] public required string Status { get; init; }
    [JsonPropertyName("created_at")] public required string CreatedAt { get; init; }
    [JsonPropertyName("next_attempt_at")] public string? NextAttemptAt { get; init; }
    [JsonPropertyName("delivered_at")] public string? DeliveredAt { get; init; }
    [JsonPropertyName("attempts")] public required IReadOnlyList<WebhookAttemptView> Attempts { get; init; }

    /// <summary>A receiver down for a day is retried many times; its delivery shows the latest attempts.</summary>
    public const int MaxAttemptsShown = 100;

    public static WebhookDeliveryView Of(WebhookDelivery d) => new()
    {
        Id = d.Id, EventType = d.EventType, ResourceId = d.ResourceId, Url = d.Url, Status = d.State,
        CreatedAt = JobTimes.Format(d.CreatedAt),
        NextAttemptAt = d.State == WebhookDeliveryStates.Pending && d.NextAttemptAt is { } n ? JobTimes.Format(n) : null,
        DeliveredAt = d.DeliveredAt is { } at ? JobTimes.Format(at) : null,
        Attempts = d.Attempts.TakeLast(MaxAttemptsShown).Select(a => new WebhookAttemptView(a.Number, JobTimes.Format(a.StartedAt), a.DurationMs, a.Status, a.Error)).ToList(),
    };
}

public sealed record WebhookListEnvelope([property: JsonPropertyName("data")] IReadOnlyList<WebhookView> Data);

public sealed record DeliveryListEnvelope(
    [property: JsonPropertyName("data")] IReadOnlyList<WebhookDeliveryView> Data,
    [property: JsonPropertyName("pagination")] Jobs.PageView Pagination);

public sealed record CallbackSecretView([property: JsonPropertyName("secret")] string Secret);

/// <summary>Body of <c>POST /api/webhooks</c> (for the OpenAPI document; the handler parses the body itself).</summary>
public sealed record CreateWebhookBody(
    [property: JsonPropertyName("url")] string Url,
    [property: JsonPropertyName("events")] IReadOnlyList<string> Events);
