using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;
using Npgsql;

namespace Nexus.Shared.History;

/// <summary>One forward-only schema step: <c>Migrations/NNNN_name.sql</c>, embedded in this assembly.</summary>
public sealed record Migration(int Version, string Name, string Sql);

/// <summary>
/// Applies the embedded migrations in version order, in one transaction under a transaction-level advisory lock:
/// replicas starting together queue on the lock, and the later ones find every version applied. Applied versions
/// are rows of <c>schema_migrations</c>. A database newer than this code (a rolling upgrade) is left as it is.
/// </summary>
public sealed partial class Migrator(NpgsqlDataSource dataSource)
{
    /// <summary>The advisory lock key every Nexus migrator takes ("NexusHis" in ASCII).</summary>
    public const long LockKey = 0x4E65787573486973;

    private const string ResourcePrefix = "Nexus.Shared.History.Migrations.";

    public static IReadOnlyList<Migration> All { get; } = Load();

    public static int Latest => All[^1].Version;

    /// <summary>Applies every migration up to <paramref name="toVersion"/> (default: all); returns the versions it applied.</summary>
    public Task<IReadOnlyList<int>> MigrateAsync(CancellationToken ct = default) => MigrateAsync(Latest, ct);

    public Task<IReadOnlyList<int>> MigrateAsync(int toVersion, CancellationToken ct = default) =>
        DbCall.RunAsync(dataSource, "migrating the schema", c => ApplyAsync(toVersion, c), ct);

    /// <summary>The versions applied to the database, in order; empty when it was never migrated.</summary>
    public Task<IReadOnlyList<int>> AppliedAsync(CancellationToken ct = default) =>
        DbCall.RunAsync<IReadOnlyList<int>>(dataSource, "reading the schema version", async c =>
        {
            await using var conn = await dataSource.OpenConnectionAsync(c).ConfigureAwait(false);
            await using var exists = new NpgsqlCommand("SELECT to_regclass('schema_migrations') IS NOT NULL", conn);
            if (!(bool)(await exists.ExecuteScalarAsync(c).ConfigureAwait(false))!) return [];
            return await AppliedAsync(conn, null, c).ConfigureAwait(false);
        }, ct);

    private async Task<IReadOnlyList<int>> ApplyAsync(int toVersion, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        await using var tx = await conn.BeginTransactionAsync(ct).ConfigureAwait(false);
        await using (var lockCmd = new NpgsqlCommand("SELECT pg_advisory_xact_lock(@key)", conn, tx))
        {
            lockCmd.Parameters.AddWithValue("key", LockKey);
            await lockCmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }
        await using (var create = new NpgsqlCommand(
            """
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version    integer PRIMARY KEY,
                name       text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now())
            """, conn, tx))
        {
            await create.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }

        var applied = (await AppliedAsync(conn, tx, ct).ConfigureAwait(false)).ToHashSet();
        var done = new List<int>();
        foreach (var migration in All.Where(m => m.Version <= toVersion && !applied.Contains(m.Version)))
        {
            await using (var step = new NpgsqlCommand(migration.Sql, conn, tx))
            {
                await step.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            }
            await using (var record = new NpgsqlCommand("INSERT INTO schema_migrations (version, name) VALUES (@v, @n)", conn, tx))
            {
                record.Parameters.AddWithValue("v", migration.Version);
                record.Parameters.AddWithValue("n", migration.Name);
                await record.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            }
            done.Add(migration.Version);
        }
        await tx.CommitAsync(ct).ConfigureAwait(false);
        return done;
    }

    private static async Task<IReadOnlyList<int>> AppliedAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("SELECT version FROM schema_migrations ORDER BY version", conn, tx);
        await using var reader = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
        var versions = new List<int>();
        while (await reader.ReadAsync(ct).ConfigureAwait(false)) versions.Add(reader.GetInt32(0));
        return versions;
    }

    private static List<Migration> Load()
    {
        var assembly = typeof(Migrator).Assembly;
        var migrations = new List<Migration>();
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal)))
        {
            var file = resource[ResourcePrefix.Length..];
            var match = FileName().Match(file);
            if (!match.Success) throw new InvalidOperationException($"migration '{file}' is not named NNNN_name.sql");
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var text = new StreamReader(stream);
            migrations.Add(new Migration(int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture), match.Groups[2].Value, text.ReadToEnd()));
        }
        migrations.Sort((a, b) => a.Version.CompareTo(b.Version));
        for (var i = 0; i < migrations.Count; i++)
        {
            if (migrations[i].Version != i + 1)
                throw new InvalidOperationException($"migrations must be numbered 1, 2, 3… without gaps; found {migrations[i].Version} at position {i + 1}");
        }
        if (migrations.Count == 0) throw new InvalidOperationException("no migrations are embedded in " + assembly.GetName().Name);
        return migrations;
    }

    [GeneratedRegex(@"^(\d{4})_([a-z0-9_]+)\.sql$")]
    private static partial Regex FileName();
}
