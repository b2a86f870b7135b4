namespace Nexus.Shared.History;

/// <summary>A tenant's webhook subscription. <see cref="Secret"/> is read only to sign and to answer its creation.</summary>
public sealed record WebhookSubscription(
    string Id, string Tenant, string Url, IReadOnlyList<string> Events, string Secret, DateTimeOffset CreatedAt,
    DateTimeOffset? DisabledAt, string? DisabledReason);

/// <summary>States of a delivery: pending until delivered, given up, or stopped because its subscription was disabled.</summary>
public static class WebhookDeliveryStates
{
    public const string Pending = "pending";
    public const string Delivered = "delivered";
    public const string Failed = "failed";
    public const string Disabled = "disabled";
}

/// <summary>One event for one receiver, with every attempt made so far.</summary>
public sealed record WebhookDelivery(
    string Id, string Tenant, string? SubscriptionId, string Url, string EventType, string ResourceId, DateTimeOffset CreatedAt,
    string State, int AttemptCount, DateTimeOffset? NextAttemptAt, int? LastStatus, string? LastError, DateTimeOffset? DeliveredAt,
    IReadOnlyList<WebhookAttempt> Attempts);

/// <summary>One try to deliver: when, how long, the HTTP status (null when no answer came) and why it did not count.</summary>
public sealed record WebhookAttempt(int Number, DateTimeOffset StartedAt, int DurationMs, int? Status, string? Error);

/// <summary>A page of deliveries, newest first.</summary>
public sealed record WebhookDeliveryPage(IReadOnlyList<WebhookDelivery> Deliveries, bool HasMore);

/// <summary>
/// A delivery a sender has claimed: no other sender takes it until the lease runs out, and only the holder of
/// <see cref="Lease"/> can record its attempt. <see cref="Secret"/> is null when the signing key is gone.
/// </summary>
public sealed record ClaimedDelivery(
    string Id, string Tenant, string? SubscriptionId, string Url, string EventType, string ResourceId, DateTimeOffset CreatedAt,
    int AttemptsBefore, int Lease, string? Secret);

/// <summary>What became of one attempt, and so of the delivery.</summary>
public enum WebhookAttemptResult
{
    /// <summary>2xx: done.</summary>
    Delivered,
    /// <summary>Try again at the given time.</summary>
    Retry,
    /// <summary>Out of time (or nothing left to send): the delivery has failed for good.</summary>
    GiveUp,
    /// <summary>410 Gone: the subscription is disabled and its pending deliveries stop.</summary>
    Gone,
}

/// <summary>The record of one attempt, for <see cref="Webhooks.RecordAttemptAsync"/>.</summary>
public sealed record WebhookAttemptOutcome(
    WebhookAttemptResult Result, DateTimeOffset StartedAt, TimeSpan Duration, int? Status, string? Error, DateTimeOffset? NextAttemptAt = null);
