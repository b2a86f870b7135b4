using System.Security.Cryptography;
using System.Text;

namespace Nexus.Gateway.Auth;

/// <summary>API keys (<c>nxk_</c> + 40 base62 characters, ~238 random bits) and the only form they are stored in: SHA-256 hex.</summary>
public static class ApiKeyFormat
{
    public const string Prefix = "nxk_";
    private const int RandomLength = 40;
    private const string Base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    public static string NewKey()
    {
        var chars = new char[RandomLength];
        for (var i = 0; i < chars.Length; i++) chars[i] = Base62[RandomNumberGenerator.GetInt32(Base62.Length)];
        return Prefix + new string(chars);
    }

    /// <summary>Lowercase hex SHA-256 of the key's UTF-8 bytes.</summary>
    public static string Hash(string key)
    {
        Span<byte> digest = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(key), digest);
        return Convert.ToHexStringLower(digest);
    }
}
