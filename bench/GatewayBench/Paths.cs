namespace Nexus.Bench.Gateway;

/// <summary>Where the repository's files are, found from the benchmark's binaries.</summary>
public static class Paths
{
    public static string Root { get; } = FindRoot();

    public static string Crds => Path.Combine(Root, "crds");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (Directory.Exists(Path.Combine(dir.FullName, "crds")) && File.Exists(Path.Combine(dir.FullName, "NexusOperator.sln")))
                return dir.FullName;
        throw new DirectoryNotFoundException("NexusOperator.sln not found above " + AppContext.BaseDirectory);
    }
}
