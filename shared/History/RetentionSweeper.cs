using Npgsql;

namespace Nexus.Shared.History;

/// <summary>What one sweep deleted, per table (exported as counters by the service that runs the sweep).</summary>
public sealed record SweepResult(long Jobs, long Results, long Batches, long IdempotencyKeys)
{
    public long Total => Jobs + Results + Batches + IdempotencyKeys;
}

/// <summary>
/// Deletes finished jobs (with their results) and batches older than their tenant's retention, and expired
/// idempotency keys. Each statement deletes at most <see cref="HistoryOptions.SweepBatchSize"/> rows found through an
/// index and commits on its own, so no lock is held for long and readers are never blocked.
/// </summary>
public sealed class RetentionSweeper(NpgsqlDataSource dataSource, HistoryOptions options)
{
    // Distinct tenants by a loose index scan (one index probe per tenant, not a scan of every row).
    private const string TenantsSql =
        """
        WITH RECURSIVE t(tenant) AS (
            (SELECT tenant FROM jobs ORDER BY tenant LIMIT 1)
            UNION ALL
            SELECT (SELECT j.tenant FROM jobs j WHERE j.tenant > t.tenant ORDER BY j.tenant LIMIT 1) FROM t WHERE t.tenant IS NOT NULL)
        SELECT tenant FROM t WHERE tenant IS NOT NULL
        UNION
        SELECT tenant FROM (WITH RECURSIVE b(tenant) AS (
            (SELECT tenant FROM batches ORDER BY tenant LIMIT 1)
            UNION ALL
            SELECT (SELECT x.tenant FROM batches x WHERE x.tenant > b.tenant ORDER BY x.tenant LIMIT 1) FROM b WHERE b.tenant IS NOT NULL)
          SELECT tenant FROM b WHERE tenant IS NOT NULL) bt
        """;

    private const string JobsSql =
        """
        WITH gone AS (
            DELETE FROM jobs WHERE id IN (
                SELECT id FROM jobs WHERE tenant = $1 AND coalesce(completed_at, created_at) < $2
                ORDER BY coalesce(completed_at, created_at) LIMIT $3)
            RETURNING id, tenant),
        results AS (
            DELETE FROM job_results r USING gone WHERE r.job_id = gone.id AND r.tenant = gone.tenant RETURNING 1)
        SELECT (SELECT count(*) FROM gone), (SELECT count(*) FROM results)
        """;

    private const string BatchesSql =
        """
        WITH gone AS (
            DELETE FROM batches WHERE id IN (
                SELECT id FROM batches WHERE tenant = $1 AND coalesce(completed_at, created_at) < $2
                ORDER BY coalesce(completed_at, created_at) LIMIT $3)
            RETURNING 1)
        SELECT count(*), 0::bigint FROM gone
        """;

    private const string KeysSql =
        """
        WITH gone AS (
            DELETE FROM idempotency_keys WHERE (tenant, key) IN (
                SELECT tenant, key FROM idempotency_keys WHERE expires_at <= now() ORDER BY expires_at LIMIT $1)
            RETURNING 1)
        SELECT count(*) FROM gone
        """;

    /// <summary>Sets a tenant's retention (replacing the default for it).</summary>
    public Task SetRetentionAsync(string tenant, TimeSpan retention, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(tenant);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(retention, TimeSpan.Zero);
        return DbCall.RunAsync(dataSource, "setting a retention", async c =>
        {
            await using var cmd = dataSource.CreateCommand(
                "INSERT INTO tenant_retention (tenant, retention) VALUES ($1, $2) ON CONFLICT (tenant) DO UPDATE SET retention = EXCLUDED.retention");
            cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenant });
            cmd.Parameters.Add(new NpgsqlParameter<TimeSpan> { TypedValue = retention });
            await cmd.ExecuteNonQueryAsync(c).ConfigureAwait(false);
        }, ct);
    }

    /// <summary>Removes a tenant's own retention: the default applies again.</summary>
    public Task ClearRetentionAsync(string tenant, CancellationToken ct = default) =>
        DbCall.RunAsync(dataSource, "clearing a retention", async c =>
        {
            await using var cmd = dataSource.CreateCommand("DELETE FROM tenant_retention WHERE tenant = $1");
            cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenant });
            await cmd.ExecuteNonQueryAsync(c).ConfigureAwait(false);
        }, ct);

    /// <summary>
    /// One sweep: for each tenant, deletes what finished before now − its retention (now from <paramref name="now"/>,
    /// default the database clock), batch by batch; then expired idempotency keys.
    /// </summary>
    public Task<SweepResult> SweepAsync(DateTimeOffset? now = null, CancellationToken ct = default) =>
        DbCall.RunAsync(dataSource, "sweeping the archive", async c =>
        {
            await using var conn = await dataSource.OpenConnectionAsync(c).ConfigureAwait(false);
            var at = now ?? await ScalarAsync<DateTimeOffset>(conn, "SELECT now()", [], c).ConfigureAwait(false);
            var retentions = await RetentionsAsync(conn, c).ConfigureAwait(false);
            var tenants = new List<string>();
            await using (var cmd = new NpgsqlCommand(TenantsSql, conn))
            await using (var reader = await cmd.ExecuteReaderAsync(c).ConfigureAwait(false))
            {
                while (await reader.ReadAsync(c).ConfigureAwait(false)) tenants.Add(reader.GetString(0));
            }

            long jobs = 0, results = 0, batches = 0, keys = 0;
            foreach (var tenant in tenants)
            {
                var cutoff = at - retentions.GetValueOrDefault(tenant, options.DefaultRetention);
                var (j, r) = await DeleteInBatchesAsync(conn, JobsSql, tenant, cutoff, c).ConfigureAwait(false);
                jobs += j;
                results += r;
                batches += (await DeleteInBatchesAsync(conn, BatchesSql, tenant, cutoff, c).ConfigureAwait(false)).Rows;
            }
            for (var round = 0; round < options.SweepMaxBatches; round++)
            {
                var deleted = await ScalarAsync<long>(conn, KeysSql, [new NpgsqlParameter<int> { TypedValue = options.SweepBatchSize }], c).ConfigureAwait(false);
                keys += deleted;
                if (deleted < options.SweepBatchSize) break;
            }
            // Live rows an operator's upsert wrote while their job was being archived (the archive deletes the rest).
            await using (var live = new NpgsqlCommand(LiveJobs.DeleteArchivedSql, conn))
            {
                await live.ExecuteNonQueryAsync(c).ConfigureAwait(false);
            }
            return new SweepResult(jobs, results, batches, keys);
        }, ct);

    private async Task<(long Rows, long Results)> DeleteInBatchesAsync(NpgsqlConnection conn, string sql, string tenant, DateTimeOffset cutoff, CancellationToken ct)
    {
        long rows = 0, results = 0;
        for (var round = 0; round < options.SweepMaxBatches; round++)
        {
            await using var cmd = new NpgsqlCommand(sql, conn);
            cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenant });
            cmd.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = cutoff.ToUniversalTime() });
            cmd.Parameters.Add(new NpgsqlParameter<int> { TypedValue = options.SweepBatchSize });
            await using var reader = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
            await reader.ReadAsync(ct).ConfigureAwait(false);
            var deleted = reader.GetInt64(0);
            rows += deleted;
            results += reader.GetInt64(1);
            if (deleted < options.SweepBatchSize) break;
        }
        return (rows, results);
    }

    private static async Task<Dictionary<string, TimeSpan>> RetentionsAsync(NpgsqlConnection conn, CancellationToken ct)
    {
        var map = new Dictionary<string, TimeSpan>(StringComparer.Ordinal);
        await using var cmd = new NpgsqlCommand("SELECT tenant, retention FROM tenant_retention", conn);
        await using var reader = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
        while (await reader.ReadAsync(ct).ConfigureAwait(false)) map[reader.GetString(0)] = reader.GetFieldValue<TimeSpan>(1);
        return map;
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlConnection conn, string sql, NpgsqlParameter[] parameters, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(sql, conn);
        cmd.Parameters.AddRange(parameters);
        await using var reader = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
        await reader.ReadAsync(ct).ConfigureAwait(false);
        return reader.GetFieldValue<T>(0);
    }
}
