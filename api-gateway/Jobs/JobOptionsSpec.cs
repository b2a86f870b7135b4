using Nexus.Crds.Entities;
using Nexus.Gateway.Validation;

namespace Nexus.Gateway.Jobs;

/// <summary>A request's options onto the AiJob it creates; what is not given keeps the contract's defaults.</summary>
public static class JobOptionsSpec
{
    public static void Apply(AiJobSpec spec, JobRequest request)
    {
        if (request.MaxRetries is { } retries) spec.MaxRetries = retries;
        spec.TimeoutSeconds = request.TimeoutSeconds;
        spec.Metadata = request.Metadata is { Count: > 0 } metadata ? new Dictionary<string, string>(metadata) : null;
        spec.RetryOf = request.RetryOf;
    }
}
