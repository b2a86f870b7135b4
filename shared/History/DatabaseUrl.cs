using Npgsql;

namespace Nexus.Shared.History;

/// <summary>
/// Turns the <c>postgresql://user:password@host:port/database?sslmode=require</c> URLs that scripts and managed
/// databases hand out into an Npgsql connection string (Npgsql reads only the keyword form); a keyword connection
/// string passes through.
/// </summary>
public static class DatabaseUrl
{
    public static string ToConnectionString(string urlOrConnectionString, HistoryOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(urlOrConnectionString);
        var builder = IsUrl(urlOrConnectionString)
            ? FromUrl(urlOrConnectionString)
            : new NpgsqlConnectionStringBuilder(urlOrConnectionString);
        if (options is not null)
        {
            // Explicit settings in the string win over the defaults of the options.
            if (!HasKey(urlOrConnectionString, "timeout")) builder.Timeout = (int)Math.Ceiling(options.ConnectTimeout.TotalSeconds);
            if (!HasKey(urlOrConnectionString, "command timeout") && !HasKey(urlOrConnectionString, "command_timeout"))
                builder.CommandTimeout = (int)Math.Ceiling(options.CommandTimeout.TotalSeconds);
        }
        return builder.ConnectionString;
    }

    private static bool IsUrl(string text) =>
        text.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase) || text.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase);

    private static bool HasKey(string text, string key) => text.Contains(key + "=", StringComparison.OrdinalIgnoreCase);

    private static NpgsqlConnectionStringBuilder FromUrl(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host))
            throw new FormatException($"'{Redact(url)}' is not a postgresql://user@host:port/database URL");
        var builder = new NpgsqlConnectionStringBuilder { Host = uri.Host };
        if (uri.Port > 0) builder.Port = uri.Port;
        if (uri.UserInfo.Length > 0)
        {
            var parts = uri.UserInfo.Split(':', 2);
            builder.Username = Uri.UnescapeDataString(parts[0]);
            if (parts.Length == 2) builder.Password = Uri.UnescapeDataString(parts[1]);
        }
        var database = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/'));
        if (database.Length > 0) builder.Database = database;
        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var kv = pair.Split('=', 2);
            var key = Uri.UnescapeDataString(kv[0]);
            var value = kv.Length == 2 ? Uri.UnescapeDataString(kv[1]) : "";
            switch (key.ToLowerInvariant())
            {
                case "sslmode": builder.SslMode = Enum.Parse<SslMode>(value.Replace("-", ""), ignoreCase: true); break;
                case "application_name": builder.ApplicationName = value; break;
                case "connect_timeout": builder.Timeout = int.Parse(value, System.Globalization.CultureInfo.InvariantCulture); break;
                default: builder[key] = value; break; // any Npgsql keyword, e.g. "Maximum Pool Size"
            }
        }
        return builder;
    }

    /// <summary>The URL without its password, for error messages and logs.</summary>
    public static string Redact(string url)
    {
        var at = url.IndexOf('@');
        var scheme = url.IndexOf("://", StringComparison.Ordinal);
        if (at < 0 || scheme < 0) return url;
        var colon = url.IndexOf(':', scheme + 3);
        return colon > 0 && colon < at ? url[..(colon + 1)] + "***" + url[at..] : url;
    }
}
