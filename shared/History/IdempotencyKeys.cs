using Npgsql;

namespace Nexus.Shared.History;

public enum ClaimOutcome
{
    /// <summary>First use of the key (or the first since it expired): the caller creates the resource under its id.</summary>
    Owned,
    /// <summary>The same request again: answer with the resource the key already names.</summary>
    Replay,
    /// <summary>The key was used for a different request: the gateway answers 422 IDEMPOTENCY_KEY_REUSED.</summary>
    Conflict,
}

/// <summary>The answer to a claim: who owns the key and which job (or batch) id it stands for.</summary>
public sealed record IdempotencyClaim(ClaimOutcome Outcome, string ResourceId, DateTimeOffset ExpiresAt);

/// <summary>
/// Idempotency-Keys, unique per (tenant, key), kept for <see cref="HistoryOptions.IdempotencyTtl"/>. A claim is one
/// INSERT … ON CONFLICT: of any number of concurrent claims of one key, across any number of replicas, exactly one
/// owns it. Expiry is judged by the database clock, so replicas with skewed clocks agree.
/// </summary>
public sealed class IdempotencyKeys(NpgsqlDataSource dataSource, HistoryOptions options)
{
    public const int MaxKeyLength = 255;

    // The insert takes the key when it is new or expired. When another transaction holds it, the statement's
    // snapshot may predate that row: then neither branch returns a row and the claim is simply run again.
    private const string ClaimSql =
        """
        WITH claimed AS (
            INSERT INTO idempotency_keys AS k (tenant, key, fingerprint, resource_id, expires_at)
            VALUES ($1, $2, $3, $4, now() + $5)
            ON CONFLICT (tenant, key) DO UPDATE
                SET fingerprint = EXCLUDED.fingerprint, resource_id = EXCLUDED.resource_id,
                    created_at = now(), expires_at = EXCLUDED.expires_at
                WHERE k.expires_at <= now()
            RETURNING true AS owned, fingerprint, resource_id, expires_at)
        SELECT owned, fingerprint, resource_id, expires_at FROM claimed
        UNION ALL
        SELECT false, fingerprint, resource_id, expires_at FROM idempotency_keys
        WHERE tenant = $1 AND key = $2 AND NOT EXISTS (SELECT 1 FROM claimed)
        """;

    /// <summary>
    /// Claims <paramref name="key"/> for a request with <paramref name="fingerprint"/>, naming <paramref name="resourceId"/>
    /// (the id the caller will create). A repeated claim by the same caller with the same id is answered
    /// <see cref="ClaimOutcome.Owned"/> again, so a retry after a lost reply is safe.
    /// </summary>
    public Task<IdempotencyClaim> ClaimAsync(string tenant, string key, string fingerprint, string resourceId, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(tenant);
        ArgumentException.ThrowIfNullOrEmpty(fingerprint);
        ArgumentException.ThrowIfNullOrEmpty(resourceId);
        if (!IsValidKey(key)) throw new ArgumentException($"an idempotency key is 1-{MaxKeyLength} visible ASCII characters", nameof(key));
        return DbCall.RunAsync(dataSource, "claiming an idempotency key", async c =>
        {
            for (var round = 0; round < 5; round++)
            {
                await using var cmd = dataSource.CreateCommand(ClaimSql);
                cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenant });
                cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = key });
                cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = fingerprint });
                cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = resourceId });
                cmd.Parameters.Add(new NpgsqlParameter<TimeSpan> { TypedValue = options.IdempotencyTtl });
                await using var reader = await cmd.ExecuteReaderAsync(c).ConfigureAwait(false);
                if (!await reader.ReadAsync(c).ConfigureAwait(false)) continue;
                var owned = reader.GetBoolean(0);
                var storedFingerprint = reader.GetString(1);
                var storedId = reader.GetString(2);
                var expires = reader.GetFieldValue<DateTimeOffset>(3);
                if (owned || storedId == resourceId && storedFingerprint == fingerprint)
                    return new IdempotencyClaim(ClaimOutcome.Owned, storedId, expires);
                return new IdempotencyClaim(storedFingerprint == fingerprint ? ClaimOutcome.Replay : ClaimOutcome.Conflict, storedId, expires);
            }
            throw new InvalidOperationException($"idempotency key '{key}' could not be claimed or read in 5 rounds");
        }, ct);
    }

    /// <summary>Gives a key back when creating its resource failed, so the client's retry can succeed; only the owner's claim is removed.</summary>
    public Task<bool> ReleaseAsync(string tenant, string key, string resourceId, CancellationToken ct = default) =>
        DbCall.RunAsync(dataSource, "releasing an idempotency key", async c =>
        {
            await using var cmd = dataSource.CreateCommand("DELETE FROM idempotency_keys WHERE tenant = $1 AND key = $2 AND resource_id = $3");
            cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenant });
            cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = key });
            cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = resourceId });
            return await cmd.ExecuteNonQueryAsync(c).ConfigureAwait(false) > 0;
        }, ct);

    public static bool IsValidKey(string? key) => key is { Length: > 0 and <= MaxKeyLength } && key.All(ch => ch is >= '!' and <= '~');
}
