using System.Security.Cryptography;
using System.Text;

namespace Nexus.KubeApiServer.Auth;

/// <summary>
/// Bearer tokens the stand-in issues for ServiceAccounts: <c>nexus-sa.NAMESPACE.NAME.MAC</c>, the MAC keyed by the
/// server's own token, so a token stays valid across restarts of a server started with the same options (as a
/// persisted run needs) and cannot be forged for another account. A token authenticates only while its
/// ServiceAccount exists, as kube-apiserver checks for bound tokens: deleting the account revokes it.
/// </summary>
public sealed class ServiceAccountTokens(string serverToken)
{
    const string Prefix = "nexus-sa.";
    readonly byte[] _key = SHA256.HashData(Encoding.UTF8.GetBytes("service-account-tokens:" + serverToken));

    public string Issue(string ns, string name) => $"{Prefix}{ns}.{name}.{Mac(ns, name)}";

    /// <summary>The (namespace, name) a token was issued for; null for anything else.</summary>
    public (string Namespace, string Name)? Verify(string token)
    {
        if (!token.StartsWith(Prefix, StringComparison.Ordinal)) return null;
        // Namespaces and names are DNS labels/subdomains: the namespace has no dot, a name may have some.
        var rest = token[Prefix.Length..];
        var firstDot = rest.IndexOf('.');
        var lastDot = rest.LastIndexOf('.');
        if (firstDot <= 0 || lastDot <= firstDot + 1) return null;
        var ns = rest[..firstDot];
        var name = rest[(firstDot + 1)..lastDot];
        var mac = rest[(lastDot + 1)..];
        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(mac), Encoding.ASCII.GetBytes(Mac(ns, name))) ? (ns, name) : null;
    }

    string Mac(string ns, string name) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(ns + "/" + name)))[..32];
}
