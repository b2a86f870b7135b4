using Nexus.Gateway.Api;

namespace Nexus.Gateway.Jobs;

/// <summary>What a dispatch produced: a view to answer with (and whether it repeats an earlier request), or an error.</summary>
public sealed record DispatchResult<T>(T? View, bool Replayed, ApiError? Error)
{
    public static DispatchResult<T> Fail(ApiError error) => new(default, false, error);
}
