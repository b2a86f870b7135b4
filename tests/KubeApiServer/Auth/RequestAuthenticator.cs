using Nexus.KubeApiServer.Builtins;

namespace Nexus.KubeApiServer.Auth;

/// <summary>
/// Bearer-token authentication: the server's own token is the cluster admin, a ServiceAccount token the stand-in
/// issued is that account (while it exists), no credentials is system:anonymous, anything else is refused (401),
/// as kube-apiserver's token authenticators answer. kubectl (client-go) sends no bearer token over plain http, so
/// the standalone server can treat credential-less requests as the admin, as kube-apiserver's old insecure port did.
/// </summary>
public sealed class RequestAuthenticator(string adminToken, ServiceAccountTokens tokens, ObjectStore store, bool anonymousIsAdmin)
{
    /// <summary>The caller; null when the credentials are not valid (answer 401).</summary>
    public UserInfo? Authenticate(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        if (header.Length == 0) return anonymousIsAdmin ? UserInfo.Admin : UserInfo.Anonymous;
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) return null;
        var token = header["Bearer ".Length..].Trim();
        if (token == adminToken) return UserInfo.Admin;
        if (tokens.Verify(token) is not var (ns, name)) return null;
        lock (store.Gate)
            return store.Get(BuiltinTypes.ServiceAccounts, ns, name) is null ? null : UserInfo.ServiceAccount(ns, name);
    }
}
