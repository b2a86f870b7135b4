using System.Data.Common;
using System.Text.Json;
using Npgsql;
using NpgsqlTypes;

namespace Nexus.Shared.History;

/// <summary>How an <see cref="ArchivedJob"/> maps onto a row of <c>jobs</c> (and its <c>job_results</c> row): both ways.</summary>
internal static class JobRows
{
    /// <summary>The job columns, in the order <see cref="Read"/> reads them (sequential access needs the order).</summary>
    public const string Columns =
        "j.id, j.tenant, j.type, j.status, j.priority, j.params, j.error_code, j.error_message, j.retry_count, " +
        "j.created_at, j.started_at, j.completed_at, j.estimated_completion_at, j.batch_id, j.batch_index, j.attempts, " +
        "j.max_retries, j.timeout_seconds, j.metadata, j.retry_of";

    /// <summary>
    /// The columns every read selects: the job's, the result's size, and its body only when asked for. The result is
    /// a lateral lookup by primary key per job row (OFFSET 0 keeps the planner from turning it into a join over the
    /// whole results table).
    /// </summary>
    public static string Select(bool withResult) =>
        $"SELECT {Columns}, r.size_bytes, {(withResult ? "r.body" : "NULL::bytea")} FROM jobs j " +
        $"LEFT JOIN LATERAL (SELECT size_bytes{(withResult ? ", body" : "")} FROM job_results WHERE job_id = j.id AND tenant = j.tenant OFFSET 0) r ON true";

    /// <summary>The parameters of <see cref="Upsert"/> ($1-$20); statements that wrap it number theirs after.</summary>
    public const int UpsertParameterCount = 20;

    public const string Upsert =
        """
        INSERT INTO jobs (id, tenant, type, status, priority, params, error_code, error_message, retry_count,
                          created_at, started_at, completed_at, estimated_completion_at, batch_id, batch_index, attempts,
                          max_retries, timeout_seconds, metadata, retry_of)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)
        ON CONFLICT (id) DO UPDATE SET
            type = EXCLUDED.type, status = EXCLUDED.status, priority = EXCLUDED.priority, params = EXCLUDED.params,
            error_code = EXCLUDED.error_code, error_message = EXCLUDED.error_message, retry_count = EXCLUDED.retry_count,
            created_at = EXCLUDED.created_at, started_at = EXCLUDED.started_at, completed_at = EXCLUDED.completed_at,
            estimated_completion_at = EXCLUDED.estimated_completion_at, batch_id = EXCLUDED.batch_id,
            batch_index = EXCLUDED.batch_index, attempts = EXCLUDED.attempts, max_retries = EXCLUDED.max_retries,
            timeout_seconds = EXCLUDED.timeout_seconds, metadata = EXCLUDED.metadata, retry_of = EXCLUDED.retry_of,
            archived_at = now()
        WHERE jobs.tenant = EXCLUDED.tenant
        RETURNING id
        """;

    public const string UpsertResult =
        """
        INSERT INTO job_results (job_id, tenant, encoding, size_bytes, body) VALUES ($1, $2, $3, $4, $5)
        ON CONFLICT (job_id) DO UPDATE SET encoding = EXCLUDED.encoding, size_bytes = EXCLUDED.size_bytes,
            body = EXCLUDED.body, stored_at = now()
        WHERE job_results.tenant = EXCLUDED.tenant
        RETURNING job_id
        """;

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.General);

    public static void AddUpsertParameters(NpgsqlParameterCollection p, ArchivedJob job)
    {
        p.Add(new NpgsqlParameter<string> { TypedValue = job.Id });
        p.Add(new NpgsqlParameter<string> { TypedValue = job.Tenant });
        p.Add(new NpgsqlParameter<string> { TypedValue = job.Type });
        p.Add(new NpgsqlParameter<string> { TypedValue = job.Status });
        p.Add(new NpgsqlParameter<string> { TypedValue = job.Priority });
        p.Add(Nullable(job.Params is { ValueKind: not JsonValueKind.Undefined } ps ? ps.GetRawText() : null, NpgsqlDbType.Json));
        p.Add(Nullable(job.Error?.Code, NpgsqlDbType.Text));
        p.Add(Nullable(job.Error?.Message, NpgsqlDbType.Text));
        p.Add(new NpgsqlParameter<int> { TypedValue = job.Error?.RetryCount ?? 0 });
        p.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = Millis(job.CreatedAt) });
        p.Add(Nullable(job.StartedAt?.ToUniversalTime(), NpgsqlDbType.TimestampTz));
        p.Add(Nullable(job.CompletedAt?.ToUniversalTime(), NpgsqlDbType.TimestampTz));
        p.Add(Nullable(job.EstimatedCompletionAt?.ToUniversalTime(), NpgsqlDbType.TimestampTz));
        p.Add(Nullable(job.BatchId, NpgsqlDbType.Text));
        p.Add(Nullable(job.BatchIndex, NpgsqlDbType.Integer));
        p.Add(new NpgsqlParameter { Value = JsonSerializer.Serialize(job.Attempts, Json), NpgsqlDbType = NpgsqlDbType.Jsonb });
        p.Add(Nullable(job.MaxRetries, NpgsqlDbType.Integer));
        p.Add(Nullable(job.TimeoutSeconds, NpgsqlDbType.Integer));
        p.Add(Nullable(job.Metadata is { Count: > 0 } m ? JsonSerializer.Serialize(m, Json) : null, NpgsqlDbType.Jsonb));
        p.Add(Nullable(job.RetryOf, NpgsqlDbType.Text));
    }

    public static void AddResultParameters(NpgsqlParameterCollection p, string tenant, string jobId, CompressedResult result)
    {
        p.Add(new NpgsqlParameter<string> { TypedValue = jobId });
        p.Add(new NpgsqlParameter<string> { TypedValue = tenant });
        p.Add(new NpgsqlParameter<string> { TypedValue = ResultCodec.Gzip });
        p.Add(new NpgsqlParameter<long> { TypedValue = result.SizeBytes });
        p.Add(new NpgsqlParameter<ReadOnlyMemory<byte>> { TypedValue = result.Body, NpgsqlDbType = NpgsqlDbType.Bytea });
    }

    /// <summary>Reads the row at the reader (columns of <see cref="Select"/>); the result body is decompressed as it streams.</summary>
    public static async Task<ArchivedJob> ReadAsync(NpgsqlDataReader r, bool withResult, CancellationToken ct)
    {
        var job = new ArchivedJob
        {
            Id = r.GetString(0),
            Tenant = r.GetString(1),
            Type = r.GetString(2),
            Status = r.GetString(3),
            Priority = r.GetString(4),
            Params = await r.IsDBNullAsync(5, ct).ConfigureAwait(false) ? null : ParseJson(r.GetString(5)),
            Error = await ReadErrorAsync(r, ct).ConfigureAwait(false),
            CreatedAt = r.GetFieldValue<DateTimeOffset>(9),
            StartedAt = await NullableAsync<DateTimeOffset>(r, 10, ct).ConfigureAwait(false),
            CompletedAt = await NullableAsync<DateTimeOffset>(r, 11, ct).ConfigureAwait(false),
            EstimatedCompletionAt = await NullableAsync<DateTimeOffset>(r, 12, ct).ConfigureAwait(false),
            BatchId = await r.IsDBNullAsync(13, ct).ConfigureAwait(false) ? null : r.GetString(13),
            BatchIndex = await NullableAsync<int>(r, 14, ct).ConfigureAwait(false),
            Attempts = JsonSerializer.Deserialize<List<JobAttempt>>(r.GetString(15), Json) ?? [],
            MaxRetries = await NullableAsync<int>(r, 16, ct).ConfigureAwait(false),
            TimeoutSeconds = await NullableAsync<int>(r, 17, ct).ConfigureAwait(false),
            Metadata = await r.IsDBNullAsync(18, ct).ConfigureAwait(false)
                ? null
                : JsonSerializer.Deserialize<Dictionary<string, string>>(r.GetString(18), Json),
            RetryOf = await r.IsDBNullAsync(19, ct).ConfigureAwait(false) ? null : r.GetString(19),
            ResultSizeBytes = await NullableAsync<long>(r, 20, ct).ConfigureAwait(false),
        };
        if (!withResult || await r.IsDBNullAsync(21, ct).ConfigureAwait(false)) return job;
        await using var body = await r.GetStreamAsync(21, ct).ConfigureAwait(false);
        return job with { Result = await ResultCodec.ReadAsync(body, ct).ConfigureAwait(false) };
    }

    private static async Task<ArchivedError?> ReadErrorAsync(NpgsqlDataReader r, CancellationToken ct)
    {
        var code = await r.IsDBNullAsync(6, ct).ConfigureAwait(false) ? null : r.GetString(6);
        var message = await r.IsDBNullAsync(7, ct).ConfigureAwait(false) ? null : r.GetString(7);
        var retries = r.GetInt32(8);
        return code is null ? null : new ArchivedError(code, message ?? "", retries);
    }

    private static async Task<T?> NullableAsync<T>(DbDataReader r, int ordinal, CancellationToken ct) where T : struct =>
        await r.IsDBNullAsync(ordinal, ct).ConfigureAwait(false) ? null : r.GetFieldValue<T>(ordinal);

    public static JsonElement ParseJson(string text)
    {
        using var doc = JsonDocument.Parse(text);
        return doc.RootElement.Clone();
    }

    /// <summary>Creation times are kept to the millisecond: the cursor of the API compares milliseconds.</summary>
    public static DateTimeOffset Millis(DateTimeOffset time) =>
        DateTimeOffset.FromUnixTimeMilliseconds(time.ToUnixTimeMilliseconds());

    private static NpgsqlParameter Nullable(object? value, NpgsqlDbType type) =>
        new() { Value = value ?? DBNull.Value, NpgsqlDbType = type };
}
