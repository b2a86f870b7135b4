using System.Diagnostics;
using Npgsql;
using Nexus.Shared.History;

namespace Nexus.Bench.History;

/// <summary>The PostgreSQL the benchmark runs on: NEXUS_DATABASE_URL, or a durable cluster of its own via scripts/postgres.sh.</summary>
public sealed class BenchCluster : IAsyncDisposable
{
    private readonly string? _directory;

    private BenchCluster(string url, string? directory)
    {
        Url = url;
        _directory = directory;
    }

    public string Url { get; }

    public static async Task<BenchCluster> StartAsync()
    {
        if (Environment.GetEnvironmentVariable(HistoryOptions.UrlVariable) is { Length: > 0 } url) return new BenchCluster(url, null);
        const UnixFileMode open = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
                                  UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;
        var parent = Path.Combine(Path.GetTempPath(), $"nexus-history-bench-{Guid.NewGuid():N}");
        if (OperatingSystem.IsWindows()) Directory.CreateDirectory(parent);
        else Directory.CreateDirectory(parent, open);
        var dir = Path.Combine(parent, "pg");
        var started = (await Script("start", dir)).Trim(); // durable: PostgreSQL's defaults, as `make run`
        return new BenchCluster(started, dir);
    }

    /// <summary>Drops and creates the named database; returns its connection string.</summary>
    public async Task<string> FreshDatabaseAsync(string name)
    {
        var admin = DatabaseUrl.ToConnectionString(Url);
        await using (var conn = new NpgsqlConnection(admin))
        {
            await conn.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", conn);
            await drop.ExecuteNonQueryAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", conn);
            await create.ExecuteNonQueryAsync();
        }
        return new NpgsqlConnectionStringBuilder(admin) { Database = name }.ConnectionString;
    }

    public async ValueTask DisposeAsync()
    {
        if (_directory is null) return;
        await Script("stop", _directory);
        Directory.Delete(Path.GetDirectoryName(_directory)!, recursive: true);
    }

    private static async Task<string> Script(params string[] args)
    {
        var info = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(Path.Combine(RepoRoot(), "scripts", "postgres.sh"));
        foreach (var a in args) info.ArgumentList.Add(a);
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0) throw new InvalidOperationException($"scripts/postgres.sh {string.Join(' ', args)}: {await stderr}");
        return await stdout;
    }

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "NexusOperator.sln"))) return dir.FullName;
        throw new InvalidOperationException("NexusOperator.sln not found above " + AppContext.BaseDirectory);
    }
}
