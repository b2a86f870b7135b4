using Microsoft.Extensions.Logging;
using Nexus.Shared;
using Nexus.Shared.History;

namespace Nexus.Operator;

/// <summary>
/// Every setting of the operator, with code defaults: what the components read. A process gets them from its
/// environment and arguments through <see cref="OperatorSettings"/>; tests build them directly, so several hosts
/// can share a process.
/// </summary>
public sealed record OperatorOptions
{
    public string Namespace { get; init; } = "default";
    /// <summary>Kubeconfig file; null means KUBECONFIG, then in-cluster, then ~/.kube/config.</summary>
    public string? Kubeconfig { get; init; }
    public string ListenUrl { get; init; } = "http://0.0.0.0:8080";
    public string Identity { get; init; } = $"{Environment.MachineName}-{Guid.NewGuid().ToString("N")[..8]}";

    public string LeaseName { get; init; } = "nexus-operator-leader";
    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromSeconds(15);
    /// <summary>Stop leading when renewal has failed this long; shorter than the lease so no two replicas lead at once.</summary>
    public TimeSpan RenewDeadline { get; init; } = TimeSpan.FromSeconds(10);
    public TimeSpan RetryPeriod { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Server-side watch timeout; the stream is reopened from the last resourceVersion afterwards.</summary>
    public int WatchTimeoutSeconds { get; init; } = 300;
    /// <summary>A watch that delivers nothing (not even a bookmark) this long is presumed stalled and reopened.</summary>
    public TimeSpan WatchStallTimeout { get; init; } = TimeSpan.FromSeconds(330);
    public TimeSpan WatchReconnectMinDelay { get; init; } = TimeSpan.FromMilliseconds(200);
    public TimeSpan WatchReconnectMaxDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The watch settings the shared runtime's informers take.</summary>
    public InformerOptions ForInformers() => new(Namespace)
    {
        WatchTimeoutSeconds = WatchTimeoutSeconds,
        WatchStallTimeout = WatchStallTimeout,
        WatchReconnectMinDelay = WatchReconnectMinDelay,
        WatchReconnectMaxDelay = WatchReconnectMaxDelay,
    };

    public int ReconcileConcurrency { get; init; } = 16;
    public TimeSpan AgingThreshold { get; init; } = TimeSpan.FromMinutes(10);
    public TimeSpan MaxQueueTime { get; init; } = TimeSpan.FromHours(24);
    /// <summary>A job without status that cannot be claimed at once gets status Queued after this delay.</summary>
    public TimeSpan InitialStatusDelay { get; init; } = TimeSpan.FromSeconds(1);
    /// <summary>How long a finished AiJob or AiJobBatch stays in the API after it finished, and at least until archived (kubectl still shows it).</summary>
    public TimeSpan RetentionAfterFinish { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>The history database (<c>NEXUS_DATABASE_URL</c>): a postgresql:// URL or an Npgsql connection string. Required.</summary>
    public string DatabaseUrl { get; init; } = "";
    /// <summary>Results up to this size (JSON bytes) stay in status; larger ones are stored in the database with a reference.</summary>
    public int ResultInlineMaxBytes { get; init; } = 16 * 1024;
    /// <summary>Largest result stored (JSON bytes); a larger one fails the job with RESULT_TOO_LARGE.</summary>
    public long ResultMaxBytes { get; init; } = HistoryOptions.DefaultMaxResultBytes;
    /// <summary>Backoff of archive writes and migrations while the database is unavailable.</summary>
    public TimeSpan ArchiveRetryBaseDelay { get; init; } = TimeSpan.FromSeconds(1);
    public TimeSpan ArchiveRetryMaxDelay { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary>Finished jobs written to the database in one transaction at most.</summary>
    public int ArchiveBatchSize { get; init; } = 100;
    /// <summary>How often the leader runs the database's retention sweep.</summary>
    public TimeSpan HistorySweepInterval { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>How often changed progress and queue positions are written to the database's live table (one upsert each time).</summary>
    public TimeSpan LiveFlushInterval { get; init; } = TimeSpan.FromSeconds(1);
    /// <summary>Queue positions computed per pool at most; jobs further back show none.</summary>
    public int QueuePositionLimit { get; init; } = 1000;

    /// <summary>The history database settings the shared data layer takes.</summary>
    public HistoryOptions ForHistory() => new() { ConnectionString = DatabaseUrl, MaxResultBytes = ResultMaxBytes };

    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(1);
    public TimeSpan PoolResyncInterval { get; init; } = TimeSpan.FromSeconds(2);
    public TimeSpan WorkerRequestTimeout { get; init; } = TimeSpan.FromSeconds(10);
    /// <summary>Consecutive failed polls of a pinned instance before the attempt is declared lost.</summary>
    public int LostAfterFailedPolls { get; init; } = 5;
    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromSeconds(1);
    public TimeSpan RetryMaxDelay { get; init; } = TimeSpan.FromMinutes(2);

    public LogLevel LogLevel { get; init; } = LogLevel.Information;

    /// <summary>The settings of this process from its environment and arguments, validated (see <see cref="OperatorSettings"/>).</summary>
    public static OperatorOptions FromEnvironment(string[]? args = null) => OperatorSettings.Load(args);
}
