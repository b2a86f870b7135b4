using System.Diagnostics;
using Npgsql;
using Nexus.Shared.History;

namespace Nexus.Tests.Support;

/// <summary>
/// A real PostgreSQL for tests: the one <c>NEXUS_TEST_DATABASE_URL</c> names, or a throw-away cluster started with
/// <c>scripts/postgres.sh --fast</c> once per test run (stopped when the run ends). Each test class takes a fresh
/// database of its own from it.
/// </summary>
public sealed class PostgresServer : IAsyncDisposable
{
    public const string UrlVariable = "NEXUS_TEST_DATABASE_URL";

    private static readonly Lazy<Task<PostgresServer>> SharedServer = new(StartSharedAsync);

    private PostgresServer(string url, string? directory)
    {
        Url = url;
        Directory = directory;
    }

    /// <summary>The admin connection URL (database <c>nexus</c>).</summary>
    public string Url { get; }

    /// <summary>The cluster's directory when the tests started it; null for an external server.</summary>
    public string? Directory { get; }

    /// <summary>The server of this test run.</summary>
    public static Task<PostgresServer> SharedAsync() => SharedServer.Value;

    private static async Task<PostgresServer> StartSharedAsync()
    {
        if (Environment.GetEnvironmentVariable(UrlVariable) is { Length: > 0 } url) return new PostgresServer(url, null);
        await RemoveLeftoversAsync().ConfigureAwait(false);
        var server = await StartOwnAsync("run").ConfigureAwait(false);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => server.DisposeAsync().AsTask().GetAwaiter().GetResult();
        return server;
    }

    /// <summary>
    /// Clusters of earlier test runs whose process is gone (killed, or ended before its exit handler finished):
    /// stopped if still running, and deleted.
    /// </summary>
    private static async Task RemoveLeftoversAsync()
    {
        foreach (var parent in System.IO.Directory.EnumerateDirectories(Path.GetTempPath(), "nexus-pg-*-*"))
        {
            var parts = Path.GetFileName(parent).Split('-');
            if (parts.Length != 4 || !int.TryParse(parts[2], out var pid) || IsAlive(pid)) continue;
            try
            {
                foreach (var dir in System.IO.Directory.EnumerateDirectories(parent)) await ScriptAsync("stop", dir).ConfigureAwait(false);
                System.IO.Directory.Delete(parent, recursive: true);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidOperationException)
            {
                // Not ours to clean (another user's, or busy): leave it.
            }
        }
    }

    private static bool IsAlive(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    /// <summary>A cluster of the caller's own (for tests that stop and start it); the caller disposes it.</summary>
    public static async Task<PostgresServer> StartOwnAsync(string name)
    {
        // The server runs as the postgres user when the tests run as root: every directory on the way must be searchable.
        const UnixFileMode open = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
                                  UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;
        var parent = Path.Combine(Path.GetTempPath(), $"nexus-pg-{Environment.ProcessId}-{Guid.NewGuid():N}");
        if (OperatingSystem.IsWindows()) System.IO.Directory.CreateDirectory(parent);
        else System.IO.Directory.CreateDirectory(parent, open);
        var dir = Path.Combine(parent, name);
        var url = (await ScriptAsync("start", dir, "--fast").ConfigureAwait(false)).Trim();
        return new PostgresServer(url, dir);
    }

    /// <summary>Stops the cluster (fast shutdown); a no-op for an external server.</summary>
    public async Task StopAsync()
    {
        if (Directory is not null) await ScriptAsync("stop", Directory).ConfigureAwait(false);
    }

    /// <summary>Stops the cluster and deletes its directory; a no-op for an external server.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Directory is null) return;
        await StopAsync().ConfigureAwait(false);
        System.IO.Directory.Delete(Path.GetDirectoryName(Directory)!, recursive: true);
    }

    /// <summary>Starts the stopped cluster again, on the same port.</summary>
    public async Task StartAsync()
    {
        if (Directory is null) throw new InvalidOperationException("an external server is not started by the tests");
        await ScriptAsync("start", Directory).ConfigureAwait(false);
    }

    /// <summary>A new empty database on this server; returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(string prefix)
    {
        var name = $"{prefix.ToLowerInvariant()}_{Guid.NewGuid():N}"[..Math.Min(63, prefix.Length + 33)];
        await using (var conn = new NpgsqlConnection(DatabaseUrl.ToConnectionString(Url)))
        {
            await conn.OpenAsync().ConfigureAwait(false);
            await using var cmd = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", conn);
            await cmd.ExecuteNonQueryAsync().ConfigureAwait(false);
        }
        return new NpgsqlConnectionStringBuilder(DatabaseUrl.ToConnectionString(Url)) { Database = name }.ConnectionString;
    }

    /// <summary>Drops a database made by <see cref="CreateDatabaseAsync"/>, closing what is still connected to it.</summary>
    public async Task DropDatabaseAsync(string connectionString)
    {
        var name = new NpgsqlConnectionStringBuilder(connectionString).Database;
        await using var conn = new NpgsqlConnection(DatabaseUrl.ToConnectionString(Url));
        await conn.OpenAsync().ConfigureAwait(false);
        await using var cmd = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", conn);
        await cmd.ExecuteNonQueryAsync().ConfigureAwait(false);
    }

    private static async Task<string> ScriptAsync(params string[] args)
    {
        var info = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(RepoPaths.Of("scripts", "postgres.sh"));
        foreach (var a in args) info.ArgumentList.Add(a);
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"scripts/postgres.sh {string.Join(' ', args)} failed ({process.ExitCode}): {await stderr.ConfigureAwait(false)}");
        return await stdout.ConfigureAwait(false);
    }
}

/// <summary>A fresh, migrated history database per test class (xunit class fixture), dropped after the class.</summary>
public sealed class HistoryDatabaseFixture : IAsyncLifetime
{
    public PostgresServer Server { get; private set; } = null!;
    public string ConnectionString { get; private set; } = "";
    public HistoryDatabase Db { get; private set; } = null!;

    /// <summary>Another client of the same database with other options (a second replica, a smaller limit).</summary>
    public HistoryDatabase Open(Func<HistoryOptions, HistoryOptions>? change = null)
    {
        var options = new HistoryOptions { ConnectionString = ConnectionString };
        return new HistoryDatabase(change is null ? options : change(options));
    }

    public async Task InitializeAsync()
    {
        Server = await PostgresServer.SharedAsync();
        ConnectionString = await Server.CreateDatabaseAsync("history");
        Db = Open();
        await Db.MigrateAsync();
    }

    public async Task DisposeAsync()
    {
        await Db.DisposeAsync();
        await Server.DropDatabaseAsync(ConnectionString);
    }
}
