namespace Nexus.Gateway.Auth;

/// <summary>What each endpoint needs: writes need <c>ai-jobs:write</c>; reads need <c>ai-jobs:read</c> or any other <c>*:read</c> scope.</summary>
public enum Access
{
    Read,
    Write,
}

public static class Scopes
{
    public const string Read = "ai-jobs:read";
    public const string Write = "ai-jobs:write";

    public static bool Allows(IReadOnlyList<string> scopes, Access access) => access switch
    {
        Access.Write => scopes.Contains(Write, StringComparer.Ordinal),
        _ => scopes.Any(s => s.EndsWith(":read", StringComparison.Ordinal)),
    };

    public static string Name(Access access) => access == Access.Write ? Write : Read;
}
