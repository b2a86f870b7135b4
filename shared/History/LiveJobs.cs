using Npgsql;
using NpgsqlTypes;

namespace Nexus.Shared.History;

/// <summary>What the operator relays about one live job: its progress (of <paramref name="Attempt"/>) and queue place.</summary>
/// <param name="JobId">The REST id (<c>job_&lt;ULID&gt;</c>), the key shared with <c>jobs</c>.</param>
/// <param name="Name">The AiJob's name.</param>
/// <param name="Progress">0..1 as the worker last reported it; null before any report.</param>
/// <param name="QueuePosition">1 = claimed next in its pool; null while not queued.</param>
/// <param name="PoolCapacity">Jobs the pool that the position is in runs at once.</param>
public sealed record LiveJobSignal(string JobId, string Name, string Tenant, int Attempt, float? Progress, int? QueuePosition, int? PoolCapacity);

/// <summary>A row of <c>live_jobs</c> as read back, with the database time it last changed.</summary>
public sealed record LiveJobRow(LiveJobSignal Signal, DateTimeOffset UpdatedAt);

/// <summary>Where a reader of changes stands: the last (updated_at, job_id) it read.</summary>
public readonly record struct LiveJobCursor(DateTimeOffset UpdatedAt, string JobId) : IComparable<LiveJobCursor>
{
    public static LiveJobCursor Start => new(DateTimeOffset.MinValue, "");

    public int CompareTo(LiveJobCursor other)
    {
        var c = UpdatedAt.CompareTo(other.UpdatedAt);
        return c != 0 ? c : string.CompareOrdinal(JobId, other.JobId);
    }
}

/// <summary>
/// The <c>live_jobs</c> table: signals of queued and running jobs that change too often for the AiJob's status. The
/// operator writes every changed job in ONE multi-row upsert (arrays unnested server-side); gateways read what changed
/// since their cursor through the <c>(updated_at, job_id)</c> index. A row is deleted in the transaction that archives
/// its job, and an upsert never brings back the row of an archived job.
/// </summary>
public sealed class LiveJobs(NpgsqlDataSource dataSource)
{
    private const string UpsertSql =
        """
        INSERT INTO live_jobs AS l (job_id, name, tenant, attempt, progress, queue_position, pool_capacity, updated_at)
        SELECT u.job_id, u.name, u.tenant, u.attempt, u.progress, u.queue_position, u.pool_capacity, now()
        FROM unnest($1::text[], $2::text[], $3::text[], $4::integer[], $5::real[], $6::integer[], $7::integer[])
             AS u(job_id, name, tenant, attempt, progress, queue_position, pool_capacity)
        WHERE NOT EXISTS (SELECT 1 FROM jobs j WHERE j.id = u.job_id)
        ON CONFLICT (job_id) DO UPDATE
            SET attempt = EXCLUDED.attempt, progress = EXCLUDED.progress, queue_position = EXCLUDED.queue_position,
                pool_capacity = EXCLUDED.pool_capacity, updated_at = EXCLUDED.updated_at
            WHERE l.tenant = EXCLUDED.tenant
        """;

    private const string ChangedSql =
        """
        SELECT job_id, name, tenant, attempt, progress, queue_position, pool_capacity, updated_at FROM live_jobs
        WHERE (updated_at, job_id) > ($1, $2)
        ORDER BY updated_at, job_id
        LIMIT $3
        """;

    /// <summary>Deletes the rows of jobs being archived; run in the archive's transaction.</summary>
    internal const string DeleteSql = "DELETE FROM live_jobs WHERE job_id = ANY($1)";

    /// <summary>Rows of archived jobs an upsert racing the archive may have left (the retention sweep removes them).</summary>
    internal const string DeleteArchivedSql = "DELETE FROM live_jobs l USING jobs j WHERE j.id = l.job_id";

    /// <summary>
    /// Writes the signals in one statement (one round trip, one transaction); returns the rows written. A job listed
    /// twice keeps its last signal. Throws <see cref="HistoryUnavailableException"/> when the database is not there.
    /// </summary>
    public Task<int> UpsertAsync(IReadOnlyList<LiveJobSignal> signals, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(signals);
        if (signals.Count == 0) return Task.FromResult(0);
        var last = new Dictionary<string, int>(signals.Count, StringComparer.Ordinal);
        for (var i = 0; i < signals.Count; i++)
        {
            var s = signals[i];
            ArgumentException.ThrowIfNullOrEmpty(s.JobId);
            ArgumentException.ThrowIfNullOrEmpty(s.Tenant);
            if (s.Progress is { } p && !(p >= 0 && p <= 1)) throw new ArgumentException($"progress of {s.JobId} must be within 0..1, not {p}");
            if (s.QueuePosition is < 1) throw new ArgumentException($"queue position of {s.JobId} must be 1 or more");
            last[s.JobId] = i;
        }
        var rows = last.Values.Order().Select(i => signals[i]).ToArray();
        return DbCall.RunAsync(dataSource, "writing live job signals", async c =>
        {
            await using var cmd = dataSource.CreateCommand(UpsertSql);
            cmd.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = rows.Select(r => r.JobId).ToArray() });
            cmd.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = rows.Select(r => r.Name).ToArray() });
            cmd.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = rows.Select(r => r.Tenant).ToArray() });
            cmd.Parameters.Add(new NpgsqlParameter<int[]> { TypedValue = rows.Select(r => r.Attempt).ToArray() });
            cmd.Parameters.Add(new NpgsqlParameter<float?[]> { TypedValue = rows.Select(r => r.Progress).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Real });
            cmd.Parameters.Add(new NpgsqlParameter<int?[]> { TypedValue = rows.Select(r => r.QueuePosition).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Integer });
            cmd.Parameters.Add(new NpgsqlParameter<int?[]> { TypedValue = rows.Select(r => r.PoolCapacity).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Integer });
            return await cmd.ExecuteNonQueryAsync(c).ConfigureAwait(false);
        }, ct);
    }

    /// <summary>Up to <paramref name="limit"/> rows changed after <paramref name="after"/>, oldest change first.</summary>
    public Task<IReadOnlyList<LiveJobRow>> ChangedSinceAsync(LiveJobCursor after, int limit = 1000, CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        return DbCall.RunAsync<IReadOnlyList<LiveJobRow>>(dataSource, "reading live job signals", async c =>
        {
            await using var cmd = dataSource.CreateCommand(ChangedSql);
            cmd.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = after.UpdatedAt == DateTimeOffset.MinValue ? DateTimeOffset.UnixEpoch : after.UpdatedAt.ToUniversalTime() });
            cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = after.JobId });
            cmd.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit });
            await using var reader = await cmd.ExecuteReaderAsync(c).ConfigureAwait(false);
            var rows = new List<LiveJobRow>();
            while (await reader.ReadAsync(c).ConfigureAwait(false))
            {
                rows.Add(new LiveJobRow(new LiveJobSignal(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetInt32(3),
                    reader.IsDBNull(4) ? null : reader.GetFloat(4), reader.IsDBNull(5) ? null : reader.GetInt32(5),
                    reader.IsDBNull(6) ? null : reader.GetInt32(6)), reader.GetFieldValue<DateTimeOffset>(7)));
            }
            return rows;
        }, ct);
    }
}
