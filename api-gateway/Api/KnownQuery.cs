using Nexus.Gateway.Outcomes;

namespace Nexus.Gateway.Api;

/// <summary>
/// Refuses query parameters an endpoint does not know (400 <c>INVALID_QUERY</c>): a misspelt <c>wait</c> must not
/// silently answer at once. The list endpoint checks its own parameters as it parses them (<c>Jobs/ListQuery</c>).
/// </summary>
public sealed class KnownQuery(params string[] known) : IEndpointFilter
{
    public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        foreach (var key in context.HttpContext.Request.Query.Keys)
        {
            if (known.Contains(key, StringComparer.Ordinal)) continue;
            var allowed = known.Length == 0 ? "this endpoint takes none" : "known: " + string.Join(", ", known);
            return ValueTask.FromResult<object?>(new ApiError(ErrorCodes.Query(key, $"unknown query parameter '{key}'; {allowed}")));
        }
        return next(context);
    }
}

public static class KnownQueryExtensions
{
    /// <summary>The query parameters the endpoint takes; any other is refused.</summary>
    public static RouteHandlerBuilder AllowQuery(this RouteHandlerBuilder endpoint, params string[] known) =>
        endpoint.AddEndpointFilter(new KnownQuery(known));
}
