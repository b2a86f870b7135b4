using System.Data;
using Npgsql;
using NpgsqlTypes;
using Nexus.Crds.Entities;

namespace Nexus.Shared.History;

/// <summary>
/// Webhook subscriptions per tenant and the outbox of deliveries (enqueued by <see cref="JobArchive"/> when it first
/// archives a job or batch). Every statement of a tenant's call names the tenant in its WHERE. Senders claim due
/// deliveries with <c>FOR UPDATE SKIP LOCKED</c> and a lease, so any number of them never send one delivery at once,
/// and all state lives here: a sender that restarts goes on where the outbox says.
/// </summary>
public sealed class Webhooks(NpgsqlDataSource dataSource)
{
    private const string SubscriptionColumns = "id, tenant, url, events, secret, created_at, disabled_at, disabled_reason";

    private const string DeliveryColumns =
        "id, tenant, subscription_id, url, event_type, resource_id, created_at, state, attempts, next_attempt_at, last_status, last_error, delivered_at";

    /// <summary>A new subscription with a new secret; null when the tenant already has <paramref name="maxPerTenant"/>.</summary>
    public Task<WebhookSubscription?> CreateSubscriptionAsync(string tenant, string url, IReadOnlyList<string> events, int maxPerTenant,
        CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(tenant);
        ArgumentException.ThrowIfNullOrEmpty(url);
        if (events.Count == 0 || events.Any(e => !WebhookEvents.IsKnown(e))) throw new ArgumentException("unknown or no events", nameof(events));
        var id = "wh_" + Ulid.NewUlid();
        var secret = WebhookOutbox.NewSecret();
        return DbCall.RunAsync(dataSource, "creating a webhook", async c =>
        {
            // The count and the insert in one statement; a tenant lock serialises concurrent creates of one tenant.
            await using var conn = await dataSource.OpenConnectionAsync(c).ConfigureAwait(false);
            await using var tx = await conn.BeginTransactionAsync(c).ConfigureAwait(false);
            await using (var lockCmd = new NpgsqlCommand("SELECT pg_advisory_xact_lock(hashtextextended('webhooks:' || $1, 0))", conn, tx))
            {
                lockCmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenant });
                await lockCmd.ExecuteNonQueryAsync(c).ConfigureAwait(false);
            }
            await using var cmd = new NpgsqlCommand(
                $"""
                INSERT INTO webhook_subscriptions (id, tenant, url, events, secret)
                SELECT $1, $2, $3, $4, $5 WHERE (SELECT count(*) FROM webhook_subscriptions WHERE tenant = $2) < $6
                ON CONFLICT (id) DO NOTHING
                RETURNING {SubscriptionColumns}
                """, conn, tx);
            cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = id });
            cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenant });
            cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = url });
            cmd.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = events.Distinct().ToArray() });
            cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = secret });
            cmd.Parameters.Add(new NpgsqlParameter<int> { TypedValue = maxPerTenant });
            WebhookSubscription? created;
            await using (var reader = await cmd.ExecuteReaderAsync(c).ConfigureAwait(false))
            {
                created = await reader.ReadAsync(c).ConfigureAwait(false) ? ReadSubscription(reader) : null;
            }
            if (created is null)
            {
                // A retry after a lost commit reply finds its own row (same id): that is the answer, not the limit.
                await using var again = new NpgsqlCommand($"SELECT {SubscriptionColumns} FROM webhook_subscriptions WHERE tenant = $1 AND id = $2", conn, tx);
                again.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenant });
                again.Parameters.Add(new NpgsqlParameter<string> { TypedValue = id });
                await using var reader = await again.ExecuteReaderAsync(c).ConfigureAwait(false);
                created = await reader.ReadAsync(c).ConfigureAwait(false) ? ReadSubscription(reader) : null;
            }
            await tx.CommitAsync(c).ConfigureAwait(false);
            return created;
        }, ct);
    }

    /// <summary>The tenant's subscriptions, oldest first.</summary>
    public Task<IReadOnlyList<WebhookSubscription>> ListSubscriptionsAsync(string tenant, CancellationToken ct = default) =>
        DbCall.RunAsync<IReadOnlyList<WebhookSubscription>>(dataSource, "listing webhooks", async c =>
        {
            await using var cmd = dataSource.CreateCommand($"SELECT {SubscriptionColumns} FROM webhook_subscriptions WHERE tenant = $1 ORDER BY created_at, id");
            cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenant });
            await using var reader = await cmd.ExecuteReaderAsync(c).ConfigureAwait(false);
            var list = new List<WebhookSubscription>();
            while (await reader.ReadAsync(c).ConfigureAwait(false)) list.Add(ReadSubscription(reader));
            return list;
        }, ct);

    /// <summary>One subscription of the tenant; null when the tenant has none with that id.</summary>
    public Task<WebhookSubscription?> GetSubscriptionAsync(string tenant, string id, CancellationToken ct = default) =>
        DbCall.RunAsync(dataSource, "reading a webhook", async c =>
        {
            await using var cmd = dataSource.CreateCommand($"SELECT {SubscriptionColumns} FROM webhook_subscriptions WHERE tenant = $1 AND id = $2");
            cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenant });
            cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = id });
            await using var reader = await cmd.ExecuteReaderAsync(c).ConfigureAwait(false);
            return await reader.ReadAsync(c).ConfigureAwait(false) ? ReadSubscription(reader) : null;
        }, ct);

    /// <summary>Deletes a subscription with its deliveries (pending ones are not sent); false when the tenant has none with that id.</summary>
    public Task<bool> DeleteSubscriptionAsync(string tenant, string id, CancellationToken ct = default) =>
        DbCall.RunAsync(dataSource, "deleting a webhook", async c =>
        {
            await using var cmd = dataSource.CreateCommand("DELETE FROM webhook_subscriptions WHERE tenant = $1 AND id = $2");
            cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenant });
            cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = id });
            return await cmd.ExecuteNonQueryAsync(c).ConfigureAwait(false) > 0;
        }, ct);

    /// <summary>
    /// The tenant's key for signing deliveries to jobs' own callback URLs, made on first use (the archive makes it
    /// too when it enqueues the first callback, so a receiver can fetch it before or after).
    /// </summary>
    public Task<string> GetCallbackSecretAsync(string tenant, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(tenant);
        var fresh = WebhookOutbox.NewSecret();
        return DbCall.RunAsync(dataSource, "reading the callback secret", async c =>
        {
            await using var cmd = dataSource.CreateCommand(
                """
                WITH made AS (INSERT INTO webhook_tenant_secrets (tenant, secret) VALUES ($1, $2) ON CONFLICT (tenant) DO NOTHING RETURNING secret)
                SELECT secret FROM made UNION ALL SELECT secret FROM webhook_tenant_secrets WHERE tenant = $1
                LIMIT 1
                """);
            cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenant });
            cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = fresh });
            return (string)(await cmd.ExecuteScalarAsync(c).ConfigureAwait(false))!;
        }, ct);
    }

    /// <summary>
    /// One page of a subscription's deliveries, newest first, each with its attempts; <paramref name="after"/> is the
    /// last delivery id of the previous page. Callback deliveries (no subscription) are listed with a null <paramref name="subscriptionId"/>.
    /// </summary>
    public Task<WebhookDeliveryPage> ListDeliveriesAsync(string tenant, string? subscriptionId, int limit, string? after = null,
        CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        return DbCall.RunAsync(dataSource, "listing webhook deliveries", async c =>
        {
            await using var conn = await dataSource.OpenConnectionAsync(c).ConfigureAwait(false);
            var deliveries = new List<WebhookDelivery>(limit + 1);
            await using (var cmd = new NpgsqlCommand(
                $"""
                SELECT {DeliveryColumns} FROM webhook_deliveries d
                WHERE tenant = $1 AND subscription_id IS NOT DISTINCT FROM $2
                  AND ($3::text IS NULL OR (created_at, id) < (SELECT created_at, id FROM webhook_deliveries WHERE tenant = $1 AND id = $3))
                ORDER BY created_at DESC, id DESC LIMIT $4
                """, conn))
            {
                cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenant });
                cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)subscriptionId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
                cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)after ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
                cmd.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit + 1 });
                await using var reader = await cmd.ExecuteReaderAsync(c).ConfigureAwait(false);
                while (await reader.ReadAsync(c).ConfigureAwait(false)) deliveries.Add(ReadDelivery(reader, []));
            }
            var hasMore = deliveries.Count > limit;
            if (hasMore) deliveries.RemoveAt(deliveries.Count - 1);
            if (deliveries.Count == 0) return new WebhookDeliveryPage(deliveries, false);
            var attempts = await AttemptsAsync(conn, tenant, deliveries.Select(d => d.Id).ToArray(), c).ConfigureAwait(false);
            return new WebhookDeliveryPage(
                deliveries.Select(d => d with { Attempts = attempts.TryGetValue(d.Id, out var a) ? a : [] }).ToList(), hasMore);
        }, ct);
    }

    /// <summary>Every delivery of one job or batch of the tenant, oldest first, with attempts (for diagnosis and tests).</summary>
    public Task<IReadOnlyList<WebhookDelivery>> DeliveriesOfAsync(string tenant, string resourceId, CancellationToken ct = default) =>
        DbCall.RunAsync<IReadOnlyList<WebhookDelivery>>(dataSource, "reading webhook deliveries", async c =>
        {
            await using var conn = await dataSource.OpenConnectionAsync(c).ConfigureAwait(false);
            var deliveries = new List<WebhookDelivery>();
            await using (var cmd = new NpgsqlCommand(
                $"SELECT {DeliveryColumns} FROM webhook_deliveries WHERE tenant = $1 AND resource_id = $2 ORDER BY created_at, id", conn))
            {
                cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenant });
                cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = resourceId });
                await using var reader = await cmd.ExecuteReaderAsync(c).ConfigureAwait(false);
                while (await reader.ReadAsync(c).ConfigureAwait(false)) deliveries.Add(ReadDelivery(reader, []));
            }
            if (deliveries.Count == 0) return deliveries;
            var attempts = await AttemptsAsync(conn, tenant, deliveries.Select(d => d.Id).ToArray(), c).ConfigureAwait(false);
            return deliveries.Select(d => d with { Attempts = attempts.TryGetValue(d.Id, out var a) ? a : [] }).ToList();
        }, ct);

    /// <summary>
    /// Claims up to <paramref name="max"/> due deliveries for this sender: each becomes due again only after
    /// <paramref name="lease"/> (a sender that dies mid-send is replaced then), and its lease number moves on, so a
    /// sender whose lease ran out cannot record over the next one's attempt. Rows another sender is claiming are skipped.
    /// </summary>
    public Task<IReadOnlyList<ClaimedDelivery>> ClaimDueAsync(int max, TimeSpan lease, CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(max, 1);
        return DbCall.RunAsync<IReadOnlyList<ClaimedDelivery>>(dataSource, "claiming webhook deliveries", async c =>
        {
            await using var cmd = dataSource.CreateCommand(
                """
                WITH due AS (
                    SELECT id FROM webhook_deliveries WHERE next_attempt_at <= now()
                    ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED)
                UPDATE webhook_deliveries d SET next_attempt_at = now() + $2, lease = d.lease + 1
                FROM due WHERE d.id = due.id
                RETURNING d.id, d.tenant, d.subscription_id, d.url, d.event_type, d.resource_id, d.created_at, d.attempts, d.lease,
                    CASE WHEN d.subscription_id IS NULL
                         THEN (SELECT t.secret FROM webhook_tenant_secrets t WHERE t.tenant = d.tenant)
                         ELSE (SELECT s.secret FROM webhook_subscriptions s WHERE s.id = d.subscription_id AND s.tenant = d.tenant) END
                """);
            cmd.Parameters.Add(new NpgsqlParameter<int> { TypedValue = max });
            cmd.Parameters.Add(new NpgsqlParameter<TimeSpan> { TypedValue = lease });
            await using var reader = await cmd.ExecuteReaderAsync(c).ConfigureAwait(false);
            var claimed = new List<ClaimedDelivery>();
            while (await reader.ReadAsync(c).ConfigureAwait(false))
            {
                claimed.Add(new ClaimedDelivery(reader.GetString(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2),
                    reader.GetString(3), reader.GetString(4), reader.GetString(5), reader.GetFieldValue<DateTimeOffset>(6), reader.GetInt32(7),
                    reader.GetInt32(8), reader.IsDBNull(9) ? null : reader.GetString(9)));
            }
            return claimed;
        }, ct, retry: false); // a claim whose reply was lost is simply due again when its lease ends
    }

    /// <summary>Hands a claimed delivery back without an attempt (the sender has no room for it): due again after <paramref name="delay"/>.</summary>
    public Task ReleaseAsync(ClaimedDelivery delivery, TimeSpan delay, CancellationToken ct = default) =>
        DbCall.RunAsync(dataSource, "releasing a webhook delivery", async c =>
        {
            await using var cmd = dataSource.CreateCommand(
                "UPDATE webhook_deliveries SET next_attempt_at = now() + $4 WHERE tenant = $1 AND id = $2 AND lease = $3 AND state = 'pending'");
            cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = delivery.Tenant });
            cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = delivery.Id });
            cmd.Parameters.Add(new NpgsqlParameter<int> { TypedValue = delivery.Lease });
            cmd.Parameters.Add(new NpgsqlParameter<TimeSpan> { TypedValue = delay });
            await cmd.ExecuteNonQueryAsync(c).ConfigureAwait(false);
        }, ct);

    /// <summary>
    /// Records one attempt of a claimed delivery and what follows from it, in one transaction; false when the claim
    /// is no longer this sender's (its lease ran out and another sender took it, or the subscription was disabled).
    /// </summary>
    public Task<bool> RecordAttemptAsync(ClaimedDelivery delivery, WebhookAttemptOutcome outcome, CancellationToken ct = default)
    {
        var (state, next) = outcome.Result switch
        {
            WebhookAttemptResult.Delivered => (WebhookDeliveryStates.Delivered, (DateTimeOffset?)null),
            WebhookAttemptResult.Retry => (WebhookDeliveryStates.Pending,
                outcome.NextAttemptAt ?? throw new ArgumentException("a retry needs its time", nameof(outcome))),
            WebhookAttemptResult.GiveUp => (WebhookDeliveryStates.Failed, null),
            _ => (WebhookDeliveryStates.Disabled, null),
        };
        var error = outcome.Error is { Length: > 500 } text ? text[..500] : outcome.Error;
        return DbCall.RunAsync(dataSource, "recording a webhook attempt", async c =>
        {
            await using var conn = await dataSource.OpenConnectionAsync(c).ConfigureAwait(false);
            await using var tx = await conn.BeginTransactionAsync(c).ConfigureAwait(false);
            int? number;
            await using (var cmd = new NpgsqlCommand(
                """
                WITH d AS (
                    UPDATE webhook_deliveries SET attempts = attempts + 1, state = $4, next_attempt_at = $5, last_status = $6,
                        last_error = $7, delivered_at = CASE WHEN $4 = 'delivered' THEN now() END
                    WHERE tenant = $1 AND id = $2 AND lease = $3 AND state = 'pending'
                    RETURNING id, tenant, attempts)
                INSERT INTO webhook_attempts (delivery_id, number, tenant, started_at, duration_ms, status, error)
                SELECT d.id, d.attempts, d.tenant, $8, $9, $6, $7 FROM d
                RETURNING number
                """, conn, tx))
            {
                cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = delivery.Tenant });
                cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = delivery.Id });
                cmd.Parameters.Add(new NpgsqlParameter<int> { TypedValue = delivery.Lease });
                cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = state });
                cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)next?.ToUniversalTime() ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
                cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)outcome.Status ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Integer });
                cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)error ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
                cmd.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = outcome.StartedAt.ToUniversalTime() });
                cmd.Parameters.Add(new NpgsqlParameter<int> { TypedValue = (int)Math.Min(int.MaxValue, Math.Max(0, outcome.Duration.TotalMilliseconds)) });
                number = await cmd.ExecuteScalarAsync(c).ConfigureAwait(false) as int?;
            }
            if (number is null) return false;
            if (outcome.Result == WebhookAttemptResult.Gone && delivery.SubscriptionId is { } subscription)
            {
                await using var disable = new NpgsqlCommand(
                    """
                    WITH s AS (
                        UPDATE webhook_subscriptions SET disabled_at = now(), disabled_reason = $3
                        WHERE tenant = $1 AND id = $2 AND disabled_at IS NULL RETURNING id)
                    UPDATE webhook_deliveries SET state = 'disabled', next_attempt_at = NULL
                    WHERE tenant = $1 AND subscription_id = $2 AND state = 'pending'
                    """, conn, tx);
                disable.Parameters.Add(new NpgsqlParameter<string> { TypedValue = delivery.Tenant });
                disable.Parameters.Add(new NpgsqlParameter<string> { TypedValue = subscription });
                disable.Parameters.Add(new NpgsqlParameter<string> { TypedValue = $"the receiver answered 410 Gone to delivery {delivery.Id}" });
                await disable.ExecuteNonQueryAsync(c).ConfigureAwait(false);
            }
            await tx.CommitAsync(c).ConfigureAwait(false);
            return true;
        }, ct, retry: false); // a retry after a lost commit would find the lease spent and report a stale claim
    }

    /// <summary>Deletes finished deliveries (and their attempts) created before <paramref name="before"/>; returns how many.</summary>
    public Task<int> PruneAsync(DateTimeOffset before, int batchSize = 1000, CancellationToken ct = default) =>
        DbCall.RunAsync(dataSource, "pruning webhook deliveries", async c =>
        {
            await using var cmd = dataSource.CreateCommand(
                """
                DELETE FROM webhook_deliveries WHERE id IN (
                    SELECT id FROM webhook_deliveries WHERE next_attempt_at IS NULL AND created_at < $1 LIMIT $2)
                """);
            cmd.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = before.ToUniversalTime() });
            cmd.Parameters.Add(new NpgsqlParameter<int> { TypedValue = batchSize });
            return await cmd.ExecuteNonQueryAsync(c).ConfigureAwait(false);
        }, ct);

    private static async Task<Dictionary<string, List<WebhookAttempt>>> AttemptsAsync(NpgsqlConnection conn, string tenant, string[] ids, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(
            "SELECT delivery_id, number, started_at, duration_ms, status, error FROM webhook_attempts WHERE tenant = $1 AND delivery_id = ANY ($2) ORDER BY delivery_id, number",
            conn);
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenant });
        cmd.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = ids });
        await using var reader = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
        var byDelivery = new Dictionary<string, List<WebhookAttempt>>(StringComparer.Ordinal);
        while (await reader.ReadAsync(ct).ConfigureAwait(false))
        {
            var id = reader.GetString(0);
            if (!byDelivery.TryGetValue(id, out var list)) byDelivery[id] = list = [];
            list.Add(new WebhookAttempt(reader.GetInt32(1), reader.GetFieldValue<DateTimeOffset>(2), reader.GetInt32(3),
                reader.IsDBNull(4) ? null : reader.GetInt32(4), reader.IsDBNull(5) ? null : reader.GetString(5)));
        }
        return byDelivery;
    }

    private static WebhookSubscription ReadSubscription(NpgsqlDataReader r) => new(
        r.GetString(0), r.GetString(1), r.GetString(2), r.GetFieldValue<string[]>(3), r.GetString(4), r.GetFieldValue<DateTimeOffset>(5),
        r.IsDBNull(6) ? null : r.GetFieldValue<DateTimeOffset>(6), r.IsDBNull(7) ? null : r.GetString(7));

    private static WebhookDelivery ReadDelivery(NpgsqlDataReader r, IReadOnlyList<WebhookAttempt> attempts) => new(
        r.GetString(0), r.GetString(1), r.IsDBNull(2) ? null : r.GetString(2), r.GetString(3), r.GetString(4), r.GetString(5),
        r.GetFieldValue<DateTimeOffset>(6), r.GetString(7), r.GetInt32(8), r.IsDBNull(9) ? null : r.GetFieldValue<DateTimeOffset>(9),
        r.IsDBNull(10) ? null : r.GetInt32(10), r.IsDBNull(11) ? null : r.GetString(11), r.IsDBNull(12) ? null : r.GetFieldValue<DateTimeOffset>(12),
        attempts);
}
