using System.Security.Cryptography;
using Npgsql;
using NpgsqlTypes;

namespace Nexus.Shared.History;

/// <summary>
/// The outbox half of archiving: the archive upsert of a job or batch wrapped in one statement that, only when the
/// upsert inserted the row (the first archive: <c>xmax = 0</c>), also enqueues the terminal event for every enabled
/// subscription of the tenant that wants it and for the job's own callback URL. Same statement, same transaction:
/// an archived job always has its deliveries, a re-archive (or a retry after a lost reply) enqueues nothing.
/// </summary>
internal static class WebhookOutbox
{
    private const string NewDeliveryId = "'msg_' || replace(gen_random_uuid()::text, '-', '')";

    /// <summary>Wraps an upsert that ends in <c>RETURNING id</c>; <paramref name="next"/> is the first free parameter number.</summary>
    private static string Wrap(string upsert, int next, bool withCallback)
    {
        if (!upsert.EndsWith("RETURNING id", StringComparison.Ordinal))
            throw new InvalidOperationException("the archive upsert must end with RETURNING id");
        var evt = "$" + next;
        var sql = $"""
            WITH up AS (
            {upsert}, tenant, (xmax = 0) AS inserted
            ), subscribed AS (
                INSERT INTO webhook_deliveries (id, tenant, subscription_id, url, event_type, resource_id)
                SELECT {NewDeliveryId}, s.tenant, s.id, s.url, {evt}, up.id
                FROM up JOIN webhook_subscriptions s ON s.tenant = up.tenant
                WHERE up.inserted AND s.disabled_at IS NULL AND {evt} = ANY (s.events)
            )
            """;
        if (withCallback)
        {
            var url = "$" + (next + 1);
            var secret = "$" + (next + 2);
            sql += $"""
                , secret AS (
                    INSERT INTO webhook_tenant_secrets (tenant, secret)
                    SELECT up.tenant, {secret} FROM up WHERE up.inserted AND {url}::text IS NOT NULL
                    ON CONFLICT (tenant) DO NOTHING
                ), callback AS (
                    INSERT INTO webhook_deliveries (id, tenant, subscription_id, url, event_type, resource_id)
                    SELECT {NewDeliveryId}, up.tenant, NULL, {url}, {evt}, up.id FROM up WHERE up.inserted AND {url}::text IS NOT NULL
                )
                """;
        }
        return sql + "\nSELECT id FROM up";
    }

    /// <summary>The job upsert (<see cref="JobRows.Upsert"/>, parameters $1-$20) with its outbox writes ($21-$23).</summary>
    public static readonly string JobUpsert = Wrap(JobRows.Upsert, JobRows.UpsertParameterCount + 1, withCallback: true);

    public static void AddJobParameters(NpgsqlParameterCollection p, ArchivedJob job)
    {
        p.Add(new NpgsqlParameter<string> { TypedValue = WebhookEvents.OfJob(job.Status) });
        p.Add(new NpgsqlParameter { Value = (object?)job.CallbackUrl ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        p.Add(new NpgsqlParameter<string> { TypedValue = job.CallbackUrl is null ? "" : NewSecret() });
    }

    /// <summary>Wraps the batch upsert (parameters $1-$7) with its outbox write ($8).</summary>
    public static string BatchUpsert(string upsert) => Wrap(upsert, 8, withCallback: false);

    public static void AddBatchParameters(NpgsqlParameterCollection p) =>
        p.Add(new NpgsqlParameter<string> { TypedValue = WebhookEvents.BatchFinished });

    /// <summary>A Standard Webhooks secret: <c>whsec_</c> + base64 of 32 random bytes (the HMAC key).</summary>
    public static string NewSecret() => "whsec_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
}
