using Nexus.Gateway.Outcomes;

namespace Nexus.Gateway.Jobs;

/// <summary>The rejection when a queue limit is reached, with the Retry-After the operator configured.</summary>
public sealed class QueueFullPolicy(int retryAfterSeconds)
{
    public Rejection Rejection() => new(ErrorCodes.QueueFull, "Job queue is at capacity; retry later") { RetryAfterSeconds = retryAfterSeconds };
}
