using Npgsql;
using Nexus.Shared.History;
using Nexus.Tests.Support;

namespace Nexus.Tests.History;

/// <summary>The schema's migrations against a real PostgreSQL: upgrade from the first version, concurrent start.</summary>
public sealed class MigrationTests
{
    [Fact]
    public void Migrations_are_numbered_from_one_without_gaps()
    {
        Assert.Equal(Enumerable.Range(1, Migrator.All.Count), Migrator.All.Select(m => m.Version));
        Assert.True(Migrator.Latest >= 3);
    }

    [Fact]
    public async Task A_database_created_by_the_first_version_is_upgraded_keeping_its_data()
    {
        var server = await PostgresServer.SharedAsync();
        var cs = await server.CreateDatabaseAsync("upgrade");
        try
        {
            await using (var v1 = new HistoryDatabase(new HistoryOptions { ConnectionString = cs }))
            {
                Assert.Equal([1], await v1.Migrator.MigrateAsync(toVersion: 1));
                // A row as the first version wrote it: plain SQL against the v1 schema.
                await using var insert = v1.DataSource.CreateCommand(
                    """
                    INSERT INTO jobs (id, tenant, type, status, priority, params, created_at, started_at, completed_at, attempts)
                    VALUES ('job_01HXK9MZPQ3B8C7D2E5F6G7H8J', 'acme', 'pricing_recalculate', 'Completed', 'normal',
                            '{"skus":["SKU-001"]}', '2026-03-12T14:32:01.123Z', '2026-03-12T14:32:05Z', '2026-03-12T14:32:32Z',
                            '[{"number":1,"pool":"p","instance":"w-1","started_at":"2026-03-12T14:32:05+00:00","ended_at":"2026-03-12T14:32:32+00:00","outcome":"Completed","error_code":null}]')
                    """);
                await insert.ExecuteNonQueryAsync();
                Assert.Equal([1], await v1.Migrator.AppliedAsync());
            }

            await using var latest = new HistoryDatabase(new HistoryOptions { ConnectionString = cs });
            var applied = await latest.MigrateAsync();
            Assert.Equal(Enumerable.Range(2, Migrator.Latest - 1), applied);
            Assert.Equal(Enumerable.Range(1, Migrator.Latest), await latest.Migrator.AppliedAsync());

            var job = await latest.Jobs.GetJobAsync("acme", "job_01HXK9MZPQ3B8C7D2E5F6G7H8J");
            Assert.NotNull(job);
            Assert.Equal("pricing_recalculate", job.Type);
            Assert.Equal(DateTimeOffset.Parse("2026-03-12T14:32:01.123Z"), job.CreatedAt);
            Assert.Equal("SKU-001", job.Params!.Value.GetProperty("skus")[0].GetString());
            Assert.Equal("w-1", Assert.Single(job.Attempts).Instance);
            // The later versions work on the upgraded database.
            var claim = await latest.IdempotencyKeys.ClaimAsync("acme", "k1", "f1", "job_X");
            Assert.Equal(ClaimOutcome.Owned, claim.Outcome);
            Assert.Empty(await latest.MigrateAsync());
        }
        finally
        {
            await server.DropDatabaseAsync(cs);
        }
    }

    [Fact]
    public async Task Replicas_migrating_together_apply_each_version_once()
    {
        var server = await PostgresServer.SharedAsync();
        var cs = await server.CreateDatabaseAsync("migrate_race");
        var replicas = Enumerable.Range(0, 6).Select(_ => new HistoryDatabase(new HistoryOptions { ConnectionString = cs })).ToList();
        try
        {
            var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var runs = replicas.Select(r => Task.Run(async () => { await go.Task; return await r.MigrateAsync(); })).ToList();
            go.SetResult();
            var applied = await Task.WhenAll(runs);

            // Exactly one replica applied everything; the others found it done.
            Assert.Single(applied, a => a.Count == Migrator.Latest);
            Assert.Equal(replicas.Count - 1, applied.Count(a => a.Count == 0));
            await using var count = replicas[0].DataSource.CreateCommand("SELECT count(*), count(DISTINCT version) FROM schema_migrations");
            await using var reader = await count.ExecuteReaderAsync();
            await reader.ReadAsync();
            Assert.Equal(Migrator.Latest, reader.GetInt64(0));
            Assert.Equal(Migrator.Latest, reader.GetInt64(1));
        }
        finally
        {
            foreach (var r in replicas) await r.DisposeAsync();
            await server.DropDatabaseAsync(cs);
        }
    }

    [Fact]
    public async Task A_failing_migration_leaves_no_partial_schema()
    {
        var server = await PostgresServer.SharedAsync();
        var cs = await server.CreateDatabaseAsync("migrate_fail");
        try
        {
            await using var db = new HistoryDatabase(new HistoryOptions { ConnectionString = cs });
            // A table in the way of version 1: the whole run rolls back, schema_migrations included.
            await using (var block = db.DataSource.CreateCommand("CREATE TABLE job_results (x int)")) await block.ExecuteNonQueryAsync();
            await Assert.ThrowsAsync<PostgresException>(() => db.MigrateAsync());
            Assert.Empty(await db.Migrator.AppliedAsync());
            await using var jobs = db.DataSource.CreateCommand("SELECT to_regclass('jobs') IS NULL");
            Assert.True((bool)(await jobs.ExecuteScalarAsync())!);
        }
        finally
        {
            await server.DropDatabaseAsync(cs);
        }
    }
}
