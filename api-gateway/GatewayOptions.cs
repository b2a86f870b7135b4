using System.ComponentModel.DataAnnotations;

namespace Nexus.Gateway;

/// <summary>
/// Every setting of the gateway, bound by the configuration system from the section <see cref="Section"/> and
/// checked at start (<see cref="Settings.GatewayOptionsValidator"/>). Each is set by an environment variable named
/// <c>NEXUS_GATEWAY_</c> + the property in upper snake case (<c>MaxQueuedJobs</c> ← <c>NEXUS_GATEWAY_MAX_QUEUED_JOBS</c>);
/// <see cref="Namespace"/> and <see cref="KubeconfigPath"/> keep the names the operator and kubectl share:
/// <c>NEXUS_NAMESPACE</c> and <c>KUBECONFIG</c>, and <see cref="DatabaseUrl"/> the name the operator shares:
/// <c>NEXUS_DATABASE_URL</c>. README.md lists them all.
/// </summary>
public sealed record GatewayOptions
{
    public const string Section = "Gateway";

    /// <summary>Namespace holding the AiJobs, batches and API-key Secrets.</summary>
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

    /// <summary>
    /// The job history database (finished jobs, stored results, Idempotency-Keys): a <c>postgresql://</c> URL or an
    /// Npgsql connection string. Required by the service (checked at its start, not by the <c>keys</c> verb).
    /// </summary>
    public string? DatabaseUrl { get; set; }

    /// <summary>How long opening a database connection or one statement may take before the database counts as unavailable (503).</summary>
    [Range(1, 300)] public int DatabaseTimeoutSeconds { get; set; } = 5;

    /// <summary><c>json</c> (one JSON object per line), <c>simple</c>, or <c>none</c>.</summary>
    [Required]
    public string LogFormat { get; set; } = "json";

    /// <summary><c>Trace</c>, <c>Debug</c>, <c>Information</c> (<c>info</c>), <c>Warning</c> (<c>warn</c>), <c>Error</c>, <c>Critical</c>, <c>None</c>.</summary>
    [Required]
    public string LogLevel { get; set; } = "Information";

    /// <summary>The built dashboard (<c>dashboard/dist</c>) served under <c>/ui</c>; unset: found beside or above the binaries.</summary>
    public string? DashboardDir { get; set; }

    // Webhooks (api-gateway/Webhooks): the sender's limits and the receiver address rules.

    /// <summary>
    /// Hosts (names or IP literals, comma-separated) a webhook may use over http and whatever address they have:
    /// for development and tests (<c>127.0.0.1,localhost</c>). Every other URL must be https to a public address.
    /// </summary>
    public string? WebhookAllowedHosts { get; set; }

    /// <summary>Whole-request timeout of one delivery attempt.</summary>
    [Range(1, 300)] public int WebhookTimeoutSeconds { get; set; } = 10;

    /// <summary>Deliveries one gateway sends at once; <see cref="WebhookConcurrencyPerHost"/> of them at most to one host.</summary>
    [Range(1, 1024)] public int WebhookConcurrency { get; set; } = 32;

    [Range(1, 1024)] public int WebhookConcurrencyPerHost { get; set; } = 4;

    /// <summary>How often the sender looks for due deliveries when it has nothing in hand.</summary>
    [Range(10, 60_000)] public int WebhookPollMilliseconds { get; set; } = 1000;

    /// <summary>The first retry's delay; each next one doubles, with jitter, up to <see cref="WebhookRetryMaxSeconds"/>.</summary>
    [Range(10, 3_600_000)] public int WebhookRetryBaseMilliseconds { get; set; } = 5000;

    [Range(1, 86_400)] public int WebhookRetryMaxSeconds { get; set; } = 3600;

    /// <summary>How long after the event a delivery is still retried; then it has failed.</summary>
    [Range(1, 24 * 30)] public int WebhookRetryHours { get; set; } = 24;

    /// <summary>A result larger than this is left out of the webhook body (the receiver reads it with GET /api/ai-jobs/:id).</summary>
    [Range(0, 32 * 1024)] public int WebhookMaxResultKb { get; set; } = 256;

    public const int MaxWebhooksPerTenantLimit = 10_000;
    [Range(1, MaxWebhooksPerTenantLimit)] public int MaxWebhooksPerTenant { get; set; } = 50;

    // Event streams (api-gateway/Events): the ring of recent changes they resume from, and their pace.

    /// <summary>Job changes the gateway keeps for streams to resume from (Last-Event-ID); also how far a stream may fall behind.</summary>
    [Range(16, 10_000_000)] public int EventRingSize { get; set; } = 10_000;

    /// <summary>Seconds between the <c>: heartbeat</c> comments an idle stream gets (keeps proxies from closing it).</summary>
    [Range(1, 3600)] public int EventHeartbeatSeconds { get; set; } = 15;

    /// <summary>The reconnection delay a stream tells clients (<c>retry:</c>), in milliseconds.</summary>
    [Range(100, 600_000)] public int EventRetryMilliseconds { get; set; } = 3000;

    /// <summary>How long one write to a stream may wait on a client that does not read; then the stream is closed.</summary>
    [Range(1, 3600)] public int EventWriteTimeoutSeconds { get; set; } = 30;

    /// <summary>A finished job's event whose view is larger than this leaves its result out (the ring stays small; GET has it).</summary>
    [Range(0, 32 * 1024)] public int EventMaxResultKb { get; set; } = 64;

    /// <summary>Event streams one API key may hold open on one gateway replica; one more is 429 TOO_MANY_STREAMS.</summary>
    [Range(1, 1_000_000)] public int EventMaxStreamsPerKey { get; set; } = 1000;

    public TimeSpan IdempotencyTtl => TimeSpan.FromHours(IdempotencyTtlHours);

    public TimeSpan CacheMissFallbackWindow => TimeSpan.FromSeconds(CacheMissFallbackSeconds);

    /// <summary>The parsed <see cref="LogLevel"/>; null when it names no level.</summary>
    public Microsoft.Extensions.Logging.LogLevel? MinimumLogLevel => LogLevel.Trim().ToLowerInvariant() switch
    {
        "info" => Microsoft.Extensions.Logging.LogLevel.Information,
        "warn" => Microsoft.Extensions.Logging.LogLevel.Warning,
        var t when Enum.TryParse<Microsoft.Extensions.Logging.LogLevel>(t, ignoreCase: true, out var level) && Enum.IsDefined(level) => level,
        _ => null,
    };
}
