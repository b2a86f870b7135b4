using System.Globalization;
using Nexus.Shared;

namespace Nexus.Operator;

/// <summary>
/// Every setting of the operator, with code defaults. Read from <c>NEXUS_*</c> environment variables and
/// <c>--name=value</c> arguments (arguments win); no configuration files, so several hosts can share a process.
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

    public static OperatorOptions FromEnvironment(string[]? args = null)
    {
        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (System.Collections.DictionaryEntry e in Environment.GetEnvironmentVariables())
        {
            var key = (string)e.Key;
            if (key.StartsWith("NEXUS_", StringComparison.Ordinal)) values[key["NEXUS_".Length..]] = (string?)e.Value ?? "";
        }
        foreach (var arg in args ?? [])
        {
            if (!arg.StartsWith("--", StringComparison.Ordinal)) throw new ArgumentException($"unexpected argument '{arg}' (use --name=value)");
            var eq = arg.IndexOf('=');
            if (eq < 0) throw new ArgumentException($"argument '{arg}' needs a value (--name=value)");
            values[arg[2..eq].Replace('-', '_')] = arg[(eq + 1)..];
        }

        var o = new OperatorOptions();
        string? S(string k) => values.TryGetValue(k, out var v) && v.Length > 0 ? v : null;
        TimeSpan Secs(string k, TimeSpan d) => S(k) is { } v ? TimeSpan.FromSeconds(double.Parse(v, CultureInfo.InvariantCulture)) : d;
        int I(string k, int d) => S(k) is { } v ? int.Parse(v, CultureInfo.InvariantCulture) : d;
        return o with
        {
            Namespace = S("NAMESPACE") ?? o.Namespace,
            Kubeconfig = S("KUBECONFIG") ?? (Environment.GetEnvironmentVariable("KUBECONFIG") is { Length: > 0 } kc ? kc : null),
            ListenUrl = S("OPERATOR_URL") ?? o.ListenUrl,
            Identity = S("OPERATOR_IDENTITY") ?? Environment.GetEnvironmentVariable("POD_NAME") ?? o.Identity,
            LeaseName = S("LEASE_NAME") ?? o.LeaseName,
            LeaseDuration = Secs("LEASE_DURATION_SECONDS", o.LeaseDuration),
            RenewDeadline = Secs("LEASE_RENEW_DEADLINE_SECONDS", o.RenewDeadline),
            RetryPeriod = Secs("LEASE_RETRY_PERIOD_SECONDS", o.RetryPeriod),
            WatchTimeoutSeconds = I("WATCH_TIMEOUT_SECONDS", o.WatchTimeoutSeconds),
            WatchStallTimeout = Secs("WATCH_STALL_SECONDS", o.WatchStallTimeout),
            ReconcileConcurrency = I("RECONCILE_CONCURRENCY", o.ReconcileConcurrency),
            AgingThreshold = Secs("AGING_THRESHOLD_SECONDS", o.AgingThreshold),
            MaxQueueTime = Secs("MAX_QUEUE_SECONDS", o.MaxQueueTime),
            TtlAfterFinished = Secs("TTL_SECONDS_AFTER_FINISHED", o.TtlAfterFinished),
            ResultInlineMaxBytes = I("RESULT_INLINE_MAX_BYTES", o.ResultInlineMaxBytes),
            ResultConfigMapMaxBytes = I("RESULT_CONFIGMAP_MAX_BYTES", o.ResultConfigMapMaxBytes),
            PollInterval = Secs("POLL_INTERVAL_SECONDS", o.PollInterval),
            PoolResyncInterval = Secs("POOL_RESYNC_SECONDS", o.PoolResyncInterval),
            WorkerRequestTimeout = Secs("WORKER_TIMEOUT_SECONDS", o.WorkerRequestTimeout),
            RetryBaseDelay = Secs("RETRY_BASE_SECONDS", o.RetryBaseDelay),
            RetryMaxDelay = Secs("RETRY_MAX_SECONDS", o.RetryMaxDelay),
        };
    }
}
