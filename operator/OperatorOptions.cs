using Microsoft.Extensions.Logging;
using Nexus.Shared;

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
    public TimeSpan TtlAfterFinished { get; init; } = TimeSpan.FromDays(7);

    public int ResultInlineMaxBytes { get; init; } = 256 * 1024;
    /// <summary>Largest compressed result stored in a ConfigMap (the API limit is 1 MiB for the whole object).</summary>
    public int ResultConfigMapMaxBytes { get; init; } = 1024 * 1024 - 16 * 1024;

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
