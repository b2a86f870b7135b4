namespace Nexus.Shared;

/// <summary>
/// resourceVersions are opaque to clients, but every API server in use (etcd revisions, the test stand-in)
/// issues increasing integers; comparing them lets the cache ignore a watch event older than our own write.
/// </summary>
public static class ResourceVersions
{
    /// <summary>True when <paramref name="candidate"/> is known to be older than <paramref name="current"/>.</summary>
    public static bool IsOlder(string? candidate, string? current) =>
        long.TryParse(candidate, out var a) && long.TryParse(current, out var b) && a < b;
}
