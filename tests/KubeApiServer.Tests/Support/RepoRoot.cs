namespace Nexus.KubeApiServer.Tests.Support;

public static class RepoRoot
{
    /// <summary>The repository root (the directory holding NexusOperator.sln).</summary>
    public static string Path { get; } = Find();

    static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "NexusOperator.sln"))) return dir.FullName;
        throw new InvalidOperationException("repository root (NexusOperator.sln) not found above " + AppContext.BaseDirectory);
    }

    public static string Crds => System.IO.Path.Combine(Path, "crds");
}
