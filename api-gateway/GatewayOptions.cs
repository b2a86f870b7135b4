using System.Globalization;

namespace Nexus.Gateway;

/// <summary>Every setting of the gateway. Read from environment variables (documented in README.md) with code defaults.</summary>
public sealed record GatewayOptions
{
    /// <summary>Namespace holding the AiJobs, batches, API-key Secrets and result ConfigMaps.</summary>
    public string Namespace { get; init; } = "default";

    /// <summary>Addresses Kestrel listens on, e.g. <c>http://0.0.0.0:8080</c>; tests use <c>http://127.0.0.1:0</c>.</summary>
    public string Urls { get; init; } = "http://0.0.0.0:8080";

    /// <summary>Kubeconfig file; when null, <c>KUBECONFIG</c>, then in-cluster config, then <c>~/.kube/config</c>.</summary>
    public string? KubeconfigPath { get; init; }

    public int MaxQueuedJobs { get; init; } = 10_000;
    public int MaxQueuedJobsPerTenant { get; init; } = 2_000;
    public int QueueFullRetryAfterSeconds { get; init; } = 5;

    public int MaxBodyBytes { get; init; } = 1024 * 1024;

    public TimeSpan IdempotencyTtl { get; init; } = TimeSpan.FromHours(24);

    /// <summary>A job younger than this (by its id's timestamp) that the cache lacks is read directly once.</summary>
    public TimeSpan CacheMissFallbackWindow { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Server-side timeout of each watch; the watch is then re-opened from the last resourceVersion.</summary>
    public int WatchTimeoutSeconds { get; init; } = 300;

    /// <summary>How many recently completed jobs per type feed the completion estimate.</summary>
    public int EstimatorSamples { get; init; } = 50;

    /// <summary>Memory budget for results read from ConfigMaps (they never change once written).</summary>
    public long ResultCacheBytes { get; init; } = 64L * 1024 * 1024;

    /// <summary><c>json</c> (one JSON object per line), <c>simple</c>, or <c>none</c>.</summary>
    public string LogFormat { get; init; } = "json";

    public LogLevel LogLevel { get; init; } = LogLevel.Information;

    public static GatewayOptions FromEnvironment(Func<string, string?>? getEnv = null)
    {
        getEnv ??= Environment.GetEnvironmentVariable;
        var d = new GatewayOptions();
        return new GatewayOptions
        {
            Namespace = Str(getEnv("NEXUS_NAMESPACE"), d.Namespace),
            Urls = Str(getEnv("NEXUS_GATEWAY_URLS"), d.Urls),
            KubeconfigPath = NullIfEmpty(getEnv("KUBECONFIG")),
            MaxQueuedJobs = Int(getEnv, "NEXUS_GATEWAY_MAX_QUEUED_JOBS", d.MaxQueuedJobs, 1),
            MaxQueuedJobsPerTenant = Int(getEnv, "NEXUS_GATEWAY_MAX_QUEUED_JOBS_PER_TENANT", d.MaxQueuedJobsPerTenant, 1),
            QueueFullRetryAfterSeconds = Int(getEnv, "NEXUS_GATEWAY_QUEUE_FULL_RETRY_AFTER_SECONDS", d.QueueFullRetryAfterSeconds, 1),
            MaxBodyBytes = Int(getEnv, "NEXUS_GATEWAY_MAX_BODY_BYTES", d.MaxBodyBytes, 1024),
            IdempotencyTtl = TimeSpan.FromHours(Int(getEnv, "NEXUS_GATEWAY_IDEMPOTENCY_TTL_HOURS", 24, 1)),
            CacheMissFallbackWindow = TimeSpan.FromSeconds(Int(getEnv, "NEXUS_GATEWAY_CACHE_MISS_FALLBACK_SECONDS", 30, 0)),
            WatchTimeoutSeconds = Int(getEnv, "NEXUS_GATEWAY_WATCH_TIMEOUT_SECONDS", d.WatchTimeoutSeconds, 5),
            EstimatorSamples = Int(getEnv, "NEXUS_GATEWAY_ESTIMATOR_SAMPLES", d.EstimatorSamples, 1),
            ResultCacheBytes = Int(getEnv, "NEXUS_GATEWAY_RESULT_CACHE_MB", 64, 1) * 1024L * 1024,
            LogFormat = Str(getEnv("NEXUS_GATEWAY_LOG_FORMAT"), d.LogFormat),
            LogLevel = ParseLevel(getEnv("NEXUS_GATEWAY_LOG_LEVEL"), d.LogLevel),
        };
    }

    private static LogLevel ParseLevel(string? text, LogLevel fallback) => text?.Trim().ToLowerInvariant() switch
    {
        null or "" => fallback,
        "info" => LogLevel.Information,
        "warn" => LogLevel.Warning,
        var t when Enum.TryParse<LogLevel>(t, ignoreCase: true, out var level) => level,
        _ => throw new ArgumentException($"NEXUS_GATEWAY_LOG_LEVEL must be Trace, Debug, Information, Warning or Error, got '{text}'"),
    };

    private static string Str(string? value, string fallback) => string.IsNullOrWhiteSpace(value) ? fallback : value.Trim();

    private static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;

    private static int Int(Func<string, string?> getEnv, string name, int fallback, int min)
    {
        var raw = getEnv(name);
        if (string.IsNullOrWhiteSpace(raw)) return fallback;
        if (!int.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) || value < min)
            throw new ArgumentException($"{name} must be an integer >= {min}, got '{raw}'");
        return value;
    }
}
