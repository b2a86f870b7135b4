using Npgsql;

namespace Nexus.Shared.History;

/// <summary>
/// The job history database: one pooled, thread-safe <see cref="NpgsqlDataSource"/> and the parts that use it.
/// Create one per process (a singleton), call <see cref="MigrateAsync"/> at start, dispose at shutdown.
/// </summary>
public sealed class HistoryDatabase : IAsyncDisposable, IDisposable
{
    public HistoryDatabase(HistoryOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxResultBytes, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.IdempotencyTtl, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.DefaultRetention, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.SweepBatchSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.SweepMaxBatches, 1);
        Options = options;
        DataSource = NpgsqlDataSource.Create(DatabaseUrl.ToConnectionString(options.ConnectionString, options));
        Migrator = new Migrator(DataSource);
        Jobs = new JobArchive(DataSource, options);
        IdempotencyKeys = new IdempotencyKeys(DataSource, options);
        Retention = new RetentionSweeper(DataSource, options);
        Webhooks = new Webhooks(DataSource);
        Live = new LiveJobs(DataSource);
    }

    public HistoryOptions Options { get; }

    /// <summary>The pool itself, for what this layer does not cover (tests, diagnostics).</summary>
    public NpgsqlDataSource DataSource { get; }

    public Migrator Migrator { get; }

    /// <summary>Finished jobs, results and batches.</summary>
    public JobArchive Jobs { get; }

    public IdempotencyKeys IdempotencyKeys { get; }

    public RetentionSweeper Retention { get; }

    /// <summary>Webhook subscriptions and the outbox of their deliveries.</summary>
    public Webhooks Webhooks { get; }

    /// <summary>Progress and queue positions of live jobs, relayed from the operator to the gateways.</summary>
    public LiveJobs Live { get; }

    /// <summary>Brings the schema to the latest version (under the advisory lock); returns the versions applied now.</summary>
    public Task<IReadOnlyList<int>> MigrateAsync(CancellationToken ct = default) => Migrator.MigrateAsync(ct);

    /// <summary>True when the database answers a trivial query now (a readiness probe); never throws for an outage.</summary>
    public async Task<bool> PingAsync(CancellationToken ct = default)
    {
        try
        {
            await using var cmd = DataSource.CreateCommand("SELECT 1");
            await cmd.ExecuteScalarAsync(ct).ConfigureAwait(false);
            return true;
        }
        catch (Exception ex) when (DbCall.IsUnavailable(ex))
        {
            DataSource.Clear();
            return false;
        }
    }

    public ValueTask DisposeAsync() => DataSource.DisposeAsync();

    public void Dispose() => DataSource.Dispose();
}
