namespace Nexus.Shared.History;

/// <summary>Settings of the job history database; every limit has the default the platform documents.</summary>
public sealed record HistoryOptions
{
    /// <summary>The environment variable naming the database: a <c>postgresql://</c> URL or an Npgsql connection string.</summary>
    public const string UrlVariable = "NEXUS_DATABASE_URL";

    public const long DefaultMaxResultBytes = 32L * 1024 * 1024;

    /// <summary>A <c>postgresql://user:password@host:port/db</c> URL or an Npgsql keyword connection string.</summary>
    public required string ConnectionString { get; init; }

    /// <summary>Largest result stored, in uncompressed JSON bytes; above it a store fails with <see cref="ResultTooLargeException"/>.</summary>
    public long MaxResultBytes { get; init; } = DefaultMaxResultBytes;

    /// <summary>How long an Idempotency-Key names the job its first request created.</summary>
    public TimeSpan IdempotencyTtl { get; init; } = TimeSpan.FromHours(24);

    /// <summary>How long finished jobs and batches are kept for tenants without a retention of their own.</summary>
    public TimeSpan DefaultRetention { get; init; } = TimeSpan.FromDays(90);

    /// <summary>Rows deleted per statement by the retention sweep: small, so no statement holds locks for long.</summary>
    public int SweepBatchSize { get; init; } = 500;

    /// <summary>Statements one sweep runs at most (per table and tenant); the next sweep goes on where it stopped.</summary>
    public int SweepMaxBatches { get; init; } = 100;

    /// <summary>How long opening a connection may take before the database counts as unavailable.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long one statement may run before the database counts as unavailable.</summary>
    public TimeSpan CommandTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The options with the connection from <see cref="UrlVariable"/>; null when it is unset.</summary>
    public static HistoryOptions? FromEnvironment() =>
        Environment.GetEnvironmentVariable(UrlVariable) is { Length: > 0 } url ? new HistoryOptions { ConnectionString = url } : null;
}
