using System.Data;
using System.Text;
using System.Text.Json;
using Npgsql;
using NpgsqlTypes;

namespace Nexus.Shared.History;

/// <summary>
/// Finished jobs, their results and finished batches in PostgreSQL. Writes are idempotent upserts keyed by id; every
/// read names the tenant in its WHERE, so no call returns another tenant's row.
/// </summary>
public sealed class JobArchive(NpgsqlDataSource dataSource, HistoryOptions options)
{
    /// <summary>
    /// Writes the whole record of one finished job (and its result when set); running it again changes nothing. The
    /// first archive of a job enqueues its webhook deliveries (subscriptions and <see cref="ArchivedJob.CallbackUrl"/>)
    /// in the same statement, so they commit or roll back with it.
    /// </summary>
    public Task ArchiveAsync(ArchivedJob job, CancellationToken ct = default) => ArchiveAsync([job], ct);

    /// <summary>
    /// Writes many finished jobs in one round trip and one transaction: all or none. A job id already archived under
    /// another tenant fails the whole call with <see cref="TenantMismatchException"/>.
    /// </summary>
    public async Task ArchiveAsync(IReadOnlyList<ArchivedJob> jobs, CancellationToken ct = default)
    {
        if (jobs.Count == 0) return;
        foreach (var job in jobs) Validate(job);
        // Compressed once, before any retry.
        var results = jobs.Select(j => j.Result is { } r ? ResultCodec.Compress(r, options.MaxResultBytes) : null).ToList();
        await DbCall.RunAsync(dataSource, "archiving jobs", async c =>
        {
            await using var conn = await dataSource.OpenConnectionAsync(c).ConfigureAwait(false);
            await using var tx = await conn.BeginTransactionAsync(c).ConfigureAwait(false);
            await using var batch = new NpgsqlBatch(conn, tx);
            var ids = new List<string>();
            for (var i = 0; i < jobs.Count; i++)
            {
                // The upsert and, on the first archive only, the job's webhook deliveries (the outbox): one statement.
                var upsert = new NpgsqlBatchCommand(WebhookOutbox.JobUpsert);
                JobRows.AddUpsertParameters(upsert.Parameters, jobs[i]);
                WebhookOutbox.AddJobParameters(upsert.Parameters, jobs[i]);
                batch.BatchCommands.Add(upsert);
                ids.Add(jobs[i].Id);
                if (results[i] is { } result)
                {
                    var store = new NpgsqlBatchCommand(JobRows.UpsertResult);
                    JobRows.AddResultParameters(store.Parameters, jobs[i].Tenant, jobs[i].Id, result);
                    batch.BatchCommands.Add(store);
                    ids.Add(jobs[i].Id);
                }
            }
            await using (var reader = await batch.ExecuteReaderAsync(c).ConfigureAwait(false))
            {
                var index = 0;
                do
                {
                    if (!await reader.ReadAsync(c).ConfigureAwait(false)) throw new TenantMismatchException(ids[index]);
                    index++;
                } while (await reader.NextResultAsync(c).ConfigureAwait(false));
            }
            // A finished job has no live signals: its row goes with the archive, so live_jobs holds live jobs only.
            await using (var live = new NpgsqlCommand(LiveJobs.DeleteSql, conn, tx))
            {
                live.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = jobs.Select(j => j.Id).ToArray() });
                await live.ExecuteNonQueryAsync(c).ConfigureAwait(false);
            }
            await tx.CommitAsync(c).ConfigureAwait(false);
        }, ct).ConfigureAwait(false);
    }

    /// <summary>Stores a job's result before the job is archived (status then keeps a reference to it); idempotent.</summary>
    public Task StoreResultAsync(string tenant, string jobId, JsonElement result, CancellationToken ct = default) =>
        StoreAsync(tenant, jobId, ResultCodec.Compress(result, options.MaxResultBytes), ct);

    /// <summary>Stores a result read from a stream of UTF-8 JSON (a worker's response body) without buffering it uncompressed.</summary>
    public async Task StoreResultAsync(string tenant, string jobId, Stream utf8Json, CancellationToken ct = default) =>
        await StoreAsync(tenant, jobId, await ResultCodec.CompressAsync(utf8Json, options.MaxResultBytes, ct).ConfigureAwait(false), ct).ConfigureAwait(false);

    private Task StoreAsync(string tenant, string jobId, CompressedResult result, CancellationToken ct) =>
        DbCall.RunAsync(dataSource, "storing a result", async c =>
        {
            await using var cmd = dataSource.CreateCommand(JobRows.UpsertResult);
            JobRows.AddResultParameters(cmd.Parameters, tenant, jobId, result);
            if (await cmd.ExecuteScalarAsync(c).ConfigureAwait(false) is null) throw new TenantMismatchException(jobId);
        }, ct);

    /// <summary>One archived job of the tenant, with its result when <paramref name="includeResult"/>; null when there is none.</summary>
    public Task<ArchivedJob?> GetJobAsync(string tenant, string id, bool includeResult = true, CancellationToken ct = default) =>
        DbCall.RunAsync(dataSource, "reading a job", async c =>
        {
            await using var cmd = dataSource.CreateCommand(JobRows.Select(includeResult) + " WHERE j.tenant = $1 AND j.id = $2");
            cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenant });
            cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = id });
            await using var reader = await cmd.ExecuteReaderAsync(CommandBehavior.SequentialAccess, c).ConfigureAwait(false);
            return await reader.ReadAsync(c).ConfigureAwait(false) ? await JobRows.ReadAsync(reader, includeResult, c).ConfigureAwait(false) : null;
        }, ct);

    /// <summary>The tenant's archived jobs among <paramref name="ids"/> (in no particular order), without results; one round trip.</summary>
    public Task<IReadOnlyList<ArchivedJob>> GetJobsAsync(string tenant, IReadOnlyCollection<string> ids, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(tenant);
        if (ids.Count == 0) return Task.FromResult<IReadOnlyList<ArchivedJob>>([]);
        return DbCall.RunAsync<IReadOnlyList<ArchivedJob>>(dataSource, "reading jobs", async c =>
        {
            await using var cmd = dataSource.CreateCommand(JobRows.Select(false) + " WHERE j.tenant = $1 AND j.id = ANY($2)");
            cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenant });
            cmd.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. ids] });
            await using var reader = await cmd.ExecuteReaderAsync(CommandBehavior.SequentialAccess, c).ConfigureAwait(false);
            var jobs = new List<ArchivedJob>(ids.Count);
            while (await reader.ReadAsync(c).ConfigureAwait(false)) jobs.Add(await JobRows.ReadAsync(reader, false, c).ConfigureAwait(false));
            return jobs;
        }, ct);
    }

    /// <summary>
    /// Writes a stored result's JSON to <paramref name="destination"/> (an HTTP response body) as it streams from the
    /// database, decompressing on the way; false when the tenant has no result under that job id.
    /// </summary>
    public Task<bool> CopyResultToAsync(string tenant, string jobId, Stream destination, CancellationToken ct = default) =>
        DbCall.RunAsync(dataSource, "reading a result", async c =>
        {
            await using var cmd = dataSource.CreateCommand("SELECT body FROM job_results WHERE tenant = $1 AND job_id = $2");
            cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenant });
            cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = jobId });
            await using var reader = await cmd.ExecuteReaderAsync(CommandBehavior.SequentialAccess, c).ConfigureAwait(false);
            if (!await reader.ReadAsync(c).ConfigureAwait(false)) return false;
            await using var body = await reader.GetStreamAsync(0, c).ConfigureAwait(false);
            await using var json = ResultCodec.Decompress(body);
            await json.CopyToAsync(destination, c).ConfigureAwait(false);
            return true;
        }, ct, retry: false); // bytes may already be in the destination: a retry would repeat them

    /// <summary>A stored result's JSON, or null when the tenant has none under that job id.</summary>
    public Task<JsonElement?> GetResultAsync(string tenant, string jobId, CancellationToken ct = default) =>
        DbCall.RunAsync<JsonElement?>(dataSource, "reading a result", async c =>
        {
            await using var cmd = dataSource.CreateCommand("SELECT body FROM job_results WHERE tenant = $1 AND job_id = $2");
            cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenant });
            cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = jobId });
            await using var reader = await cmd.ExecuteReaderAsync(CommandBehavior.SequentialAccess, c).ConfigureAwait(false);
            if (!await reader.ReadAsync(c).ConfigureAwait(false)) return null;
            await using var body = await reader.GetStreamAsync(0, c).ConfigureAwait(false);
            return await ResultCodec.ReadAsync(body, c).ConfigureAwait(false);
        }, ct);

    /// <summary>One page of the tenant's archived jobs, newest first (keyset: no OFFSET, so a deep page costs what the first does).</summary>
    public Task<JobPage> ListJobsAsync(JobListQuery query, CancellationToken ct = default)
    {
        Validate(query);
        return DbCall.RunAsync(dataSource, "listing jobs", async c =>
        {
            await using var cmd = ListCommand(query, "");
            await using var reader = await cmd.ExecuteReaderAsync(CommandBehavior.SequentialAccess, c).ConfigureAwait(false);
            var jobs = new List<ArchivedJob>(query.Limit + 1);
            while (await reader.ReadAsync(c).ConfigureAwait(false))
                jobs.Add(await JobRows.ReadAsync(reader, query.IncludeResults, c).ConfigureAwait(false));
            var hasMore = jobs.Count > query.Limit;
            if (hasMore) jobs.RemoveAt(jobs.Count - 1);
            return new JobPage(jobs, hasMore);
        }, ct);
    }

    /// <summary>The plan PostgreSQL chooses for <see cref="ListJobsAsync"/> with this query (EXPLAIN text), for checks and diagnosis.</summary>
    public Task<string> ExplainListAsync(JobListQuery query, CancellationToken ct = default)
    {
        Validate(query);
        return DbCall.RunAsync(dataSource, "explaining a list", async c =>
        {
            await using var cmd = ListCommand(query, "EXPLAIN ");
            await using var reader = await cmd.ExecuteReaderAsync(c).ConfigureAwait(false);
            var plan = new StringBuilder();
            while (await reader.ReadAsync(c).ConfigureAwait(false)) plan.AppendLine(reader.GetString(0));
            return plan.ToString();
        }, ct);
    }

    private NpgsqlCommand ListCommand(JobListQuery q, string prefix)
    {
        var cmd = dataSource.CreateCommand();
        var sql = new StringBuilder(prefix).Append(JobRows.Select(q.IncludeResults)).Append(" WHERE j.tenant = $1");
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = q.Tenant });
        string Next(NpgsqlParameter p)
        {
            cmd.Parameters.Add(p);
            return "$" + cmd.Parameters.Count;
        }
        if (q.Type is not null) sql.Append(" AND j.type = ").Append(Next(new NpgsqlParameter<string> { TypedValue = q.Type }));
        if (q.Status is not null) sql.Append(" AND j.status = ").Append(Next(new NpgsqlParameter<string> { TypedValue = q.Status }));
        if (q.Start is { } start) sql.Append(" AND j.created_at >= ").Append(Next(new NpgsqlParameter<DateTimeOffset> { TypedValue = start.ToUniversalTime() }));
        if (q.End is { } end) sql.Append(" AND j.created_at <= ").Append(Next(new NpgsqlParameter<DateTimeOffset> { TypedValue = end.ToUniversalTime() }));
        if (q.Metadata is { Count: > 0 } metadata)
            sql.Append(" AND j.metadata @> ").Append(Next(new NpgsqlParameter
            {
                Value = JsonSerializer.Serialize(metadata, JobRows.Json), NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Jsonb,
            })).Append("::jsonb");
        if (q.After is { } after)
        {
            var at = Next(new NpgsqlParameter<DateTimeOffset> { TypedValue = JobRows.Millis(after.CreatedAt) });
            var id = Next(new NpgsqlParameter<string> { TypedValue = after.Id });
            sql.Append(" AND (j.created_at, j.id) < (").Append(at).Append(", ").Append(id).Append(')');
        }
        sql.Append(" ORDER BY j.created_at DESC, j.id DESC LIMIT ").Append(Next(new NpgsqlParameter<int> { TypedValue = q.Limit + 1 }));
        cmd.CommandText = sql.ToString();
        return cmd;
    }

    /// <summary>
    /// Writes a finished batch's record; idempotent. Its jobs are archived as jobs. The first archive of the batch
    /// enqueues its <c>batch.finished</c> webhook deliveries in the same statement.
    /// </summary>
    public Task ArchiveBatchAsync(ArchivedBatch batch, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(batch.Id);
        ArgumentException.ThrowIfNullOrEmpty(batch.Tenant);
        return DbCall.RunAsync(dataSource, "archiving a batch", async c =>
        {
            await using var cmd = dataSource.CreateCommand(WebhookOutbox.BatchUpsert(
                """
                INSERT INTO batches (id, tenant, sequential, status, created_at, completed_at, jobs)
                VALUES ($1, $2, $3, $4, $5, $6, $7)
                ON CONFLICT (id) DO UPDATE SET sequential = EXCLUDED.sequential, status = EXCLUDED.status,
                    created_at = EXCLUDED.created_at, completed_at = EXCLUDED.completed_at, jobs = EXCLUDED.jobs,
                    archived_at = now()
                WHERE batches.tenant = EXCLUDED.tenant
                RETURNING id
                """));
            cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = batch.Id });
            cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = batch.Tenant });
            cmd.Parameters.Add(new NpgsqlParameter<bool> { TypedValue = batch.Sequential });
            cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = batch.Status });
            cmd.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = JobRows.Millis(batch.CreatedAt) });
            cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)batch.CompletedAt?.ToUniversalTime() ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            cmd.Parameters.Add(new NpgsqlParameter { Value = JsonSerializer.Serialize(batch.Jobs, JobRows.Json), NpgsqlDbType = NpgsqlDbType.Jsonb });
            WebhookOutbox.AddBatchParameters(cmd.Parameters);
            if (await cmd.ExecuteScalarAsync(c).ConfigureAwait(false) is null) throw new TenantMismatchException(batch.Id);
        }, ct);
    }

    /// <summary>An archived batch of the tenant and its archived jobs in batch order; null when there is none.</summary>
    public Task<ArchivedBatchWithJobs?> GetBatchAsync(string tenant, string batchId, bool includeResults = true, CancellationToken ct = default) =>
        DbCall.RunAsync(dataSource, "reading a batch", async c =>
        {
            await using var conn = await dataSource.OpenConnectionAsync(c).ConfigureAwait(false);
            ArchivedBatch batch;
            await using (var cmd = new NpgsqlCommand(
                "SELECT id, tenant, sequential, status, created_at, completed_at, jobs FROM batches WHERE tenant = $1 AND id = $2", conn))
            {
                cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenant });
                cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = batchId });
                await using var reader = await cmd.ExecuteReaderAsync(c).ConfigureAwait(false);
                if (!await reader.ReadAsync(c).ConfigureAwait(false)) return null;
                batch = new ArchivedBatch
                {
                    Id = reader.GetString(0), Tenant = reader.GetString(1), Sequential = reader.GetBoolean(2), Status = reader.GetString(3),
                    CreatedAt = reader.GetFieldValue<DateTimeOffset>(4),
                    CompletedAt = reader.IsDBNull(5) ? null : reader.GetFieldValue<DateTimeOffset>(5),
                    Jobs = JsonSerializer.Deserialize<List<ArchivedBatchItem>>(reader.GetString(6), JobRows.Json) ?? [],
                };
            }
            var jobs = new List<ArchivedJob>(batch.Jobs.Count);
            await using (var cmd = new NpgsqlCommand(JobRows.Select(includeResults) + " WHERE j.tenant = $1 AND j.batch_id = $2 ORDER BY j.batch_index", conn))
            {
                cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenant });
                cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = batchId });
                await using var reader = await cmd.ExecuteReaderAsync(CommandBehavior.SequentialAccess, c).ConfigureAwait(false);
                while (await reader.ReadAsync(c).ConfigureAwait(false)) jobs.Add(await JobRows.ReadAsync(reader, includeResults, c).ConfigureAwait(false));
            }
            return new ArchivedBatchWithJobs(batch, jobs);
        }, ct);

    /// <summary>
    /// Loads many jobs with COPY (binary), for importing history and for benchmarks: far faster than upserts, but
    /// fails on an id that is already archived. Results given are loaded too. Returns the number of jobs loaded.
    /// </summary>
    public Task<long> BulkImportAsync(IReadOnlyList<ArchivedJob> jobs, CancellationToken ct = default)
    {
        foreach (var job in jobs) Validate(job);
        return DbCall.RunAsync(dataSource, "importing jobs", async c =>
        {
            await using var conn = await dataSource.OpenConnectionAsync(c).ConfigureAwait(false);
            await using var tx = await conn.BeginTransactionAsync(c).ConfigureAwait(false);
            ulong loaded;
            await using (var copy = await conn.BeginBinaryImportAsync(
                "COPY jobs (id, tenant, type, status, priority, params, error_code, error_message, retry_count, created_at, " +
                "started_at, completed_at, estimated_completion_at, batch_id, batch_index, attempts, max_retries, timeout_seconds, metadata, retry_of) " +
                "FROM STDIN (FORMAT BINARY)", c).ConfigureAwait(false))
            {
                foreach (var job in jobs)
                {
                    await copy.StartRowAsync(c).ConfigureAwait(false);
                    await copy.WriteAsync(job.Id, NpgsqlDbType.Text, c).ConfigureAwait(false);
                    await copy.WriteAsync(job.Tenant, NpgsqlDbType.Text, c).ConfigureAwait(false);
                    await copy.WriteAsync(job.Type, NpgsqlDbType.Text, c).ConfigureAwait(false);
                    await copy.WriteAsync(job.Status, NpgsqlDbType.Text, c).ConfigureAwait(false);
                    await copy.WriteAsync(job.Priority, NpgsqlDbType.Text, c).ConfigureAwait(false);
                    await WriteNullableAsync(copy, job.Params?.GetRawText(), NpgsqlDbType.Json, c).ConfigureAwait(false);
                    await WriteNullableAsync(copy, job.Error?.Code, NpgsqlDbType.Text, c).ConfigureAwait(false);
                    await WriteNullableAsync(copy, job.Error?.Message, NpgsqlDbType.Text, c).ConfigureAwait(false);
                    await copy.WriteAsync(job.Error?.RetryCount ?? 0, NpgsqlDbType.Integer, c).ConfigureAwait(false);
                    await copy.WriteAsync(JobRows.Millis(job.CreatedAt), NpgsqlDbType.TimestampTz, c).ConfigureAwait(false);
                    await WriteNullableAsync(copy, job.StartedAt?.ToUniversalTime(), NpgsqlDbType.TimestampTz, c).ConfigureAwait(false);
                    await WriteNullableAsync(copy, job.CompletedAt?.ToUniversalTime(), NpgsqlDbType.TimestampTz, c).ConfigureAwait(false);
                    await WriteNullableAsync(copy, job.EstimatedCompletionAt?.ToUniversalTime(), NpgsqlDbType.TimestampTz, c).ConfigureAwait(false);
                    await WriteNullableAsync(copy, job.BatchId, NpgsqlDbType.Text, c).ConfigureAwait(false);
                    await WriteNullableAsync(copy, job.BatchIndex, NpgsqlDbType.Integer, c).ConfigureAwait(false);
                    await copy.WriteAsync(JsonSerializer.Serialize(job.Attempts, JobRows.Json), NpgsqlDbType.Jsonb, c).ConfigureAwait(false);
                    await WriteNullableAsync(copy, job.MaxRetries, NpgsqlDbType.Integer, c).ConfigureAwait(false);
                    await WriteNullableAsync(copy, job.TimeoutSeconds, NpgsqlDbType.Integer, c).ConfigureAwait(false);
                    await WriteNullableAsync(copy, job.Metadata is { Count: > 0 } m ? JsonSerializer.Serialize(m, JobRows.Json) : null, NpgsqlDbType.Jsonb, c).ConfigureAwait(false);
                    await WriteNullableAsync(copy, job.RetryOf, NpgsqlDbType.Text, c).ConfigureAwait(false);
                }
                loaded = await copy.CompleteAsync(c).ConfigureAwait(false);
            }
            if (jobs.Any(j => j.Result is not null))
            {
                await using var copy = await conn.BeginBinaryImportAsync(
                    "COPY job_results (job_id, tenant, encoding, size_bytes, body) FROM STDIN (FORMAT BINARY)", c).ConfigureAwait(false);
                foreach (var job in jobs)
                {
                    if (job.Result is not { } result) continue;
                    var compressed = ResultCodec.Compress(result, options.MaxResultBytes);
                    await copy.StartRowAsync(c).ConfigureAwait(false);
                    await copy.WriteAsync(job.Id, NpgsqlDbType.Text, c).ConfigureAwait(false);
                    await copy.WriteAsync(job.Tenant, NpgsqlDbType.Text, c).ConfigureAwait(false);
                    await copy.WriteAsync(ResultCodec.Gzip, NpgsqlDbType.Text, c).ConfigureAwait(false);
                    await copy.WriteAsync(compressed.SizeBytes, NpgsqlDbType.Bigint, c).ConfigureAwait(false);
                    await copy.WriteAsync(compressed.Body, NpgsqlDbType.Bytea, c).ConfigureAwait(false);
                }
                await copy.CompleteAsync(c).ConfigureAwait(false);
            }
            await tx.CommitAsync(c).ConfigureAwait(false);
            return (long)loaded;
        }, ct);
    }

    private static async Task WriteNullableAsync<T>(NpgsqlBinaryImporter copy, T? value, NpgsqlDbType type, CancellationToken ct) where T : class
    {
        if (value is null) await copy.WriteNullAsync(ct).ConfigureAwait(false);
        else await copy.WriteAsync(value, type, ct).ConfigureAwait(false);
    }

    private static async Task WriteNullableAsync<T>(NpgsqlBinaryImporter copy, T? value, NpgsqlDbType type, CancellationToken ct) where T : struct
    {
        if (value is null) await copy.WriteNullAsync(ct).ConfigureAwait(false);
        else await copy.WriteAsync(value.Value, type, ct).ConfigureAwait(false);
    }

    private static void Validate(ArchivedJob job)
    {
        ArgumentException.ThrowIfNullOrEmpty(job.Id);
        ArgumentException.ThrowIfNullOrEmpty(job.Tenant);
        ArgumentException.ThrowIfNullOrEmpty(job.Type);
        ArgumentException.ThrowIfNullOrEmpty(job.Status);
    }

    private static void Validate(JobListQuery query)
    {
        ArgumentException.ThrowIfNullOrEmpty(query.Tenant);
        ArgumentOutOfRangeException.ThrowIfLessThan(query.Limit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(query.Limit, JobListQuery.MaxLimit);
    }
}
