using Nexus.Gateway.Api;

namespace Nexus.Gateway.Auth;

/// <summary>Endpoint filter that authenticates before the handler runs and hands it the <see cref="Caller"/>.</summary>
public sealed class AuthFilter(Access access) : IEndpointFilter
{
    private const string ItemKey = "nexus.caller";

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var authenticator = http.RequestServices.GetRequiredService<Authenticator>();
        var rejection = authenticator.Authenticate(http.Request, access, out var caller);
        if (rejection is not null)
        {
            var error = new ApiError(rejection);
            if (error.Status == StatusCodes.Status401Unauthorized) http.Response.Headers.WWWAuthenticate = "Bearer";
            return error;
        }
        http.Items[ItemKey] = caller;
        return await next(context).ConfigureAwait(false);
    }

    /// <summary>Authenticates the endpoint's callers for <paramref name="access"/>, and documents the answers it adds (429: the key's rate limit).</summary>
    public static RouteHandlerBuilder Require(RouteHandlerBuilder endpoint, Access access) =>
        endpoint.AddEndpointFilter(new AuthFilter(access)).ProducesErrors(401, 403, 429, 503);

    public static Caller CallerOf(HttpContext http) =>
        http.Items[ItemKey] as Caller ?? throw new InvalidOperationException("endpoint is missing its AuthFilter");
}
