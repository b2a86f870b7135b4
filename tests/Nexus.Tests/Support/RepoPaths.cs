namespace Nexus.Tests.Support;

/// <summary>Locates the repository the tests were built from, so tests can read committed files.</summary>
public static class RepoPaths
{
    private static readonly Lazy<string> RootPath = new(() =>
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "NexusOperator.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException("NexusOperator.sln not found above " + AppContext.BaseDirectory);
    });

    public static string Root => RootPath.Value;

    public static string Of(params string[] parts) => Path.Combine([Root, .. parts]);
}
