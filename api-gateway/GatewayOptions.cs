using System.ComponentModel.DataAnnotations;

namespace Nexus.Gateway;

/// <summary>
/// Every setting of the gateway, bound by the configuration system from the section <see cref="Section"/> and
/// checked at start (<see cref="Settings.GatewayOptionsValidator"/>). Each is set by an environment variable named
/// <c>NEXUS_GATEWAY_</c> + the property in upper snake case (<c>MaxQueuedJobs</c> ← <c>NEXUS_GATEWAY_MAX_QUEUED_JOBS</c>);
/// <see cref="Namespace"/> and <see cref="KubeconfigPath"/> keep the names the operator and kubectl share:
/// <c>NEXUS_NAMESPACE</c> and <c>KUBECONFIG</c>. README.md lists them all.
/// </summary>
public sealed record GatewayOptions
{
    public const string Section = "Gateway";

    /// <summary>Namespace holding the AiJobs, batches, API-key Secrets and result ConfigMaps.</summary>
    [Required, RegularExpression("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$", ErrorMessage = "must be a Kubernetes namespace name")]
    public string Namespace { get; set; } = "default";

    /// <summary>Addresses Kestrel listens on, <c>;</c>-separated, e.g. <c>http://0.0.0.0:8080</c>; tests use <c>http://127.0.0.1:0</c>.</summary>
    [Required]
    public string Urls { get; set; } = "http://0.0.0.0:8080";

    /// <summary>Kubeconfig file; when unset, in-cluster config, then <c>~/.kube/config</c>.</summary>
    public string? KubeconfigPath { get; set; }

    [Range(1, int.MaxValue)] public int MaxQueuedJobs { get; set; } = 10_000;

    [Range(1, int.MaxValue)] public int MaxQueuedJobsPerTenant { get; set; } = 2_000;

    [Range(1, int.MaxValue)] public int QueueFullRetryAfterSeconds { get; set; } = 5;

    [Range(1024, int.MaxValue)] public int MaxBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>How long a client may take to send a request's line and headers (408 <c>REQUEST_TIMEOUT</c> after).</summary>
    [Range(1, 3600)] public int RequestHeadersTimeoutSeconds { get; set; } = 30;

    /// <summary>Requests per second an API key may make (across its tenants) unless its Secret sets its own.</summary>
    [Range(1, RateLimiting.KeyRateLimit.MaxPerSecond)] public int RateLimitPerSecond { get; set; } = 100;

    /// <summary>Requests an API key may make at once above its rate (the token bucket's size), unless its Secret sets its own.</summary>
    [Range(1, RateLimiting.KeyRateLimit.MaxBurst)] public int RateLimitBurst { get; set; } = 200;

    /// <summary>How long an Idempotency-Key is remembered.</summary>
    [Range(1, 24 * 365 * 100)] public int IdempotencyTtlHours { get; set; } = 24;

    /// <summary>A job younger than this (by its id's timestamp) that the cache lacks is read directly once.</summary>
    [Range(0, int.MaxValue)] public int CacheMissFallbackSeconds { get; set; } = 30;

    /// <summary>Server-side timeout of each watch; the watch is then re-opened from the last resourceVersion.</summary>
    [Range(5, int.MaxValue - 60)] public int WatchTimeoutSeconds { get; set; } = 300;

    /// <summary>How many recently completed jobs per type feed the completion estimate.</summary>
    [Range(1, int.MaxValue)] public int EstimatorSamples { get; set; } = 50;

    /// <summary>Memory budget for results read from ConfigMaps (they never change once written).</summary>
    [Range(1, int.MaxValue)] public int ResultCacheMb { get; set; } = 64;

    /// <summary><c>json</c> (one JSON object per line), <c>simple</c>, or <c>none</c>.</summary>
    [Required]
    public string LogFormat { get; set; } = "json";

    /// <summary><c>Trace</c>, <c>Debug</c>, <c>Information</c> (<c>info</c>), <c>Warning</c> (<c>warn</c>), <c>Error</c>, <c>Critical</c>, <c>None</c>.</summary>
    [Required]
    public string LogLevel { get; set; } = "Information";

    /// <summary>The built dashboard (<c>dashboard/dist</c>) served under <c>/ui</c>; unset: found beside or above the binaries.</summary>
    public string? DashboardDir { get; set; }

    public TimeSpan IdempotencyTtl => TimeSpan.FromHours(IdempotencyTtlHours);

    public TimeSpan CacheMissFallbackWindow => TimeSpan.FromSeconds(CacheMissFallbackSeconds);

    public long ResultCacheBytes => ResultCacheMb * 1024L * 1024;

    /// <summary>The parsed <see cref="LogLevel"/>; null when it names no level.</summary>
    public Microsoft.Extensions.Logging.LogLevel? MinimumLogLevel => LogLevel.Trim().ToLowerInvariant() switch
    {
        "info" => Microsoft.Extensions.Logging.LogLevel.Information,
        "warn" => Microsoft.Extensions.Logging.LogLevel.Warning,
        var t when Enum.TryParse<Microsoft.Extensions.Logging.LogLevel>(t, ignoreCase: true, out var level) && Enum.IsDefined(level) => level,
        _ => null,
    };
}
