using Nexus.Gateway.Api;

namespace Nexus.Gateway.Jobs;

/// <summary>The 429 answer when a queue limit is reached, with the Retry-After the operator configured.</summary>
public sealed class QueueFullPolicy(int retryAfterSeconds)
{
    public ApiError Error() => new(429, ErrorCodes.QueueFull, "Job queue is at capacity; retry later") { RetryAfterSeconds = retryAfterSeconds };
}
