namespace Nexus.Gateway.Auth;

/// <summary>Endpoint filter that authenticates before the handler runs and hands it the <see cref="Caller"/>.</summary>
public sealed class AuthFilter(Access access) : IEndpointFilter
{
    private const string ItemKey = "nexus.caller";

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var authenticator = http.RequestServices.GetRequiredService<Authenticator>();
        var error = authenticator.Authenticate(http.Request, access, out var caller);
        if (error is not null)
        {
            if (error.Status == StatusCodes.Status401Unauthorized) http.Response.Headers.WWWAuthenticate = "Bearer";
            return error;
        }
        http.Items[ItemKey] = caller;
        return await next(context).ConfigureAwait(false);
    }

    public static Caller CallerOf(HttpContext http) =>
        http.Items[ItemKey] as Caller ?? throw new InvalidOperationException("endpoint is missing its AuthFilter");
}
