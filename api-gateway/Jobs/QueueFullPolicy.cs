using Nexus.Gateway.Outcomes;

namespace Nexus.Gateway.Jobs;

/// <summary>The rejection when a queue limit is reached, with the Retry-After the operator configured.</summary>
public sealed class QueueFullPolicy(int retryAfterSeconds)
{
    public Rejection Rejection() => new(ErrorCodes.QueueFull, "Job queue is at capacity; retry later") { RetryAfterSeconds = retryAfterSeconds };

    /// <summary>The same code for every queue limit; the message says when it is the tenant's own quota that is reached.</summary>
    public Rejection Rejection(QueueRefusal refusal) => refusal.Limit == QueueLimit.TenantQuota
        ? new(ErrorCodes.QueueFull, $"This tenant's quota of {refusal.Max} queued jobs is reached; retry when some have started") { RetryAfterSeconds = retryAfterSeconds }
        : Rejection();
}
