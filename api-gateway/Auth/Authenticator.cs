using Nexus.Gateway.Outcomes;

namespace Nexus.Gateway.Auth;

/// <summary>Bearer API key → key → scope check → tenant (from <c>X-Tenant-ID</c>, or the key's only tenant).</summary>
public sealed class Authenticator(Func<string, ApiKey?> findKey, Func<bool> keysSynced)
{
    public const string TenantHeader = "X-Tenant-ID";

    public Rejection? Authenticate(HttpRequest request, Access access, out Caller? caller)
    {
        caller = null;
        var header = request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) || header.Length <= 7)
            return new Rejection(ErrorCodes.Unauthenticated, "Missing API key: send 'Authorization: Bearer <key>'");
        if (!keysSynced())
            return new Rejection(ErrorCodes.NotReady, "The gateway is still loading API keys; retry shortly");

        var key = findKey(header[7..].Trim());
        if (key is null) return new Rejection(ErrorCodes.Unauthenticated, "Invalid or revoked API key");
        if (!Scopes.Allows(key.Scopes, access))
        {
            var needed = access == Access.Write ? Scopes.Write : $"{Scopes.Read} (or any read scope)";
            return new Rejection(ErrorCodes.InsufficientScope, $"API key lacks the {needed} scope");
        }

        var requested = request.Headers[TenantHeader].ToString().Trim();
        string tenant;
        if (requested.Length > 0)
        {
            if (!key.Tenants.Contains(requested, StringComparer.Ordinal))
                return new Rejection(ErrorCodes.TenantNotAllowed, $"API key is not bound to tenant '{requested}'");
            tenant = requested;
        }
        else if (key.Tenants.Count == 1)
        {
            tenant = key.Tenants[0];
        }
        else
        {
            return key.Tenants.Count == 0
                ? new Rejection(ErrorCodes.TenantNotAllowed, "API key is bound to no tenant")
                : new Rejection(ErrorCodes.TenantRequired, $"API key serves several tenants: send {TenantHeader}");
        }

        caller = new Caller(key, tenant);
        return null;
    }
}
