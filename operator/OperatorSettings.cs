using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Nexus.Operator;

/// <summary>
/// The operator's settings as the .NET configuration system binds them: environment variables <c>NEXUS_&lt;NAME&gt;</c>
/// and arguments <c>--&lt;name&gt;=&lt;value&gt;</c> (dashes or underscores, any case; arguments win). Each property
/// is bound from the key its environment variable names, and checked at start by <see cref="OperatorSettingsValidator"/>.
/// Unset keys keep the code defaults of <see cref="OperatorOptions"/>.
/// </summary>
public sealed class OperatorSettings
{
    public const string EnvironmentPrefix = "NEXUS_";
    private static readonly OperatorOptions Defaults = new();

    [ConfigurationKeyName("NAMESPACE")] public string Namespace { get; set; } = Defaults.Namespace;
    [ConfigurationKeyName("KUBECONFIG")] public string? Kubeconfig { get; set; }
    [ConfigurationKeyName("OPERATOR_URL")] public string ListenUrl { get; set; } = Defaults.ListenUrl;
    [ConfigurationKeyName("OPERATOR_IDENTITY")] public string? Identity { get; set; }
    [ConfigurationKeyName("LEASE_NAME")] public string LeaseName { get; set; } = Defaults.LeaseName;
    [ConfigurationKeyName("LEASE_DURATION_SECONDS")] public double LeaseDurationSeconds { get; set; } = Defaults.LeaseDuration.TotalSeconds;
    [ConfigurationKeyName("LEASE_RENEW_DEADLINE_SECONDS")] public double RenewDeadlineSeconds { get; set; } = Defaults.RenewDeadline.TotalSeconds;
    [ConfigurationKeyName("LEASE_RETRY_PERIOD_SECONDS")] public double RetryPeriodSeconds { get; set; } = Defaults.RetryPeriod.TotalSeconds;
    [ConfigurationKeyName("WATCH_TIMEOUT_SECONDS")] public int WatchTimeoutSeconds { get; set; } = Defaults.WatchTimeoutSeconds;
    [ConfigurationKeyName("WATCH_STALL_SECONDS")] public double WatchStallSeconds { get; set; } = Defaults.WatchStallTimeout.TotalSeconds;
    [ConfigurationKeyName("RECONCILE_CONCURRENCY")] public int ReconcileConcurrency { get; set; } = Defaults.ReconcileConcurrency;
    [ConfigurationKeyName("AGING_THRESHOLD_SECONDS")] public double AgingThresholdSeconds { get; set; } = Defaults.AgingThreshold.TotalSeconds;
    [ConfigurationKeyName("MAX_QUEUE_SECONDS")] public double MaxQueueSeconds { get; set; } = Defaults.MaxQueueTime.TotalSeconds;
    [ConfigurationKeyName("RETENTION_AFTER_FINISH_SECONDS")] public double RetentionAfterFinishSeconds { get; set; } = Defaults.RetentionAfterFinish.TotalSeconds;
    /// <summary>The earlier name, counted from the archive write: refused rather than ignored, so an old setting is not lost silently.</summary>
    [ConfigurationKeyName("RETENTION_AFTER_ARCHIVE_SECONDS")] public string? RenamedRetentionAfterArchiveSeconds { get; set; }
    [ConfigurationKeyName("DATABASE_URL")] public string? DatabaseUrl { get; set; }
    [ConfigurationKeyName("RESULT_INLINE_MAX_BYTES")] public int ResultInlineMaxBytes { get; set; } = Defaults.ResultInlineMaxBytes;
    [ConfigurationKeyName("RESULT_MAX_BYTES")] public long ResultMaxBytes { get; set; } = Defaults.ResultMaxBytes;
    [ConfigurationKeyName("ARCHIVE_RETRY_BASE_SECONDS")] public double ArchiveRetryBaseSeconds { get; set; } = Defaults.ArchiveRetryBaseDelay.TotalSeconds;
    [ConfigurationKeyName("ARCHIVE_RETRY_MAX_SECONDS")] public double ArchiveRetryMaxSeconds { get; set; } = Defaults.ArchiveRetryMaxDelay.TotalSeconds;
    [ConfigurationKeyName("ARCHIVE_BATCH_SIZE")] public int ArchiveBatchSize { get; set; } = Defaults.ArchiveBatchSize;
    [ConfigurationKeyName("HISTORY_SWEEP_SECONDS")] public double HistorySweepSeconds { get; set; } = Defaults.HistorySweepInterval.TotalSeconds;
    [ConfigurationKeyName("POLL_INTERVAL_SECONDS")] public double PollIntervalSeconds { get; set; } = Defaults.PollInterval.TotalSeconds;
    [ConfigurationKeyName("POOL_RESYNC_SECONDS")] public double PoolResyncSeconds { get; set; } = Defaults.PoolResyncInterval.TotalSeconds;
    [ConfigurationKeyName("WORKER_TIMEOUT_SECONDS")] public double WorkerTimeoutSeconds { get; set; } = Defaults.WorkerRequestTimeout.TotalSeconds;
    [ConfigurationKeyName("LOST_AFTER_FAILED_POLLS")] public int LostAfterFailedPolls { get; set; } = Defaults.LostAfterFailedPolls;
    [ConfigurationKeyName("RETRY_BASE_SECONDS")] public double RetryBaseSeconds { get; set; } = Defaults.RetryBaseDelay.TotalSeconds;
    [ConfigurationKeyName("RETRY_MAX_SECONDS")] public double RetryMaxSeconds { get; set; } = Defaults.RetryMaxDelay.TotalSeconds;
    [ConfigurationKeyName("LOG_LEVEL")] public LogLevel LogLevel { get; set; } = Defaults.LogLevel;

    /// <summary>
    /// Binds and validates the settings of this process. Throws <see cref="OptionsValidationException"/> naming every
    /// bad setting, or <see cref="ArgumentException"/> for a malformed argument or a value of the wrong type.
    /// </summary>
    public static OperatorOptions Load(string[]? args = null)
    {
        var configuration = new ConfigurationBuilder()
            .AddEnvironmentVariables(EnvironmentPrefix)
            .AddCommandLine(NormaliseArguments(args ?? []))
            .Build();
        var services = new ServiceCollection();
        services.AddSingleton<IValidateOptions<OperatorSettings>, OperatorSettingsValidator>();
        services.AddOptions<OperatorSettings>().Bind(configuration).ValidateOnStart();
        using var provider = services.BuildServiceProvider();
        try
        {
            // What a generic host does when it starts: every options class marked ValidateOnStart is bound and checked.
            provider.GetRequiredService<IStartupValidator>().Validate();
            return provider.GetRequiredService<IOptions<OperatorSettings>>().Value.ToOptions();
        }
        catch (InvalidOperationException e)
        {
            // The binder's "Failed to convert configuration value at 'KEY' to type ..." names the key.
            throw new ArgumentException($"invalid setting: {e.Message} (set as {EnvironmentPrefix}<KEY> or --<key>=<value>)", e);
        }
    }

    /// <summary>--aging-threshold-seconds=30 → --AGING_THRESHOLD_SECONDS=30, the key its environment variable uses.</summary>
    private static string[] NormaliseArguments(string[] args) => args.Select(arg =>
    {
        if (!arg.StartsWith("--", StringComparison.Ordinal)) throw new ArgumentException($"unexpected argument '{arg}' (use --name=value)");
        var eq = arg.IndexOf('=');
        if (eq < 0) throw new ArgumentException($"argument '{arg}' needs a value (--name=value)");
        return "--" + arg[2..eq].Replace('-', '_').ToUpperInvariant() + arg[eq..];
    }).ToArray();

    public OperatorOptions ToOptions() => new()
    {
        Namespace = Namespace,
        Kubeconfig = Nonempty(Kubeconfig) ?? Nonempty(Environment.GetEnvironmentVariable("KUBECONFIG")),
        ListenUrl = ListenUrl,
        Identity = Nonempty(Identity) ?? Nonempty(Environment.GetEnvironmentVariable("POD_NAME")) ?? Defaults.Identity,
        LeaseName = LeaseName,
        LeaseDuration = TimeSpan.FromSeconds(LeaseDurationSeconds),
        RenewDeadline = TimeSpan.FromSeconds(RenewDeadlineSeconds),
        RetryPeriod = TimeSpan.FromSeconds(RetryPeriodSeconds),
        WatchTimeoutSeconds = WatchTimeoutSeconds,
        WatchStallTimeout = TimeSpan.FromSeconds(WatchStallSeconds),
        ReconcileConcurrency = ReconcileConcurrency,
        AgingThreshold = TimeSpan.FromSeconds(AgingThresholdSeconds),
        MaxQueueTime = TimeSpan.FromSeconds(MaxQueueSeconds),
        RetentionAfterFinish = TimeSpan.FromSeconds(RetentionAfterFinishSeconds),
        DatabaseUrl = DatabaseUrl!.Trim(),
        ResultInlineMaxBytes = ResultInlineMaxBytes,
        ResultMaxBytes = ResultMaxBytes,
        ArchiveRetryBaseDelay = TimeSpan.FromSeconds(ArchiveRetryBaseSeconds),
        ArchiveRetryMaxDelay = TimeSpan.FromSeconds(ArchiveRetryMaxSeconds),
        ArchiveBatchSize = ArchiveBatchSize,
        HistorySweepInterval = TimeSpan.FromSeconds(HistorySweepSeconds),
        PollInterval = TimeSpan.FromSeconds(PollIntervalSeconds),
        PoolResyncInterval = TimeSpan.FromSeconds(PoolResyncSeconds),
        WorkerRequestTimeout = TimeSpan.FromSeconds(WorkerTimeoutSeconds),
        LostAfterFailedPolls = LostAfterFailedPolls,
        RetryBaseDelay = TimeSpan.FromSeconds(RetryBaseSeconds),
        RetryMaxDelay = TimeSpan.FromSeconds(RetryMaxSeconds),
        LogLevel = LogLevel,
    };

    private static string? Nonempty(string? s) => string.IsNullOrWhiteSpace(s) ? null : s;
}

/// <summary>Checks every setting at start; each failure names the environment variable to fix and the value found.</summary>
public sealed class OperatorSettingsValidator : IValidateOptions<OperatorSettings>
{
    /// <summary>Status stays far below etcd's 1.5 MiB object limit.</summary>
    private const int InlineLimit = 256 * 1024;

    public ValidateOptionsResult Validate(string? name, OperatorSettings s)
    {
        var failures = new List<string>();
        void Check(bool ok, string key, object value, string rule)
        {
            if (!ok) failures.Add($"{OperatorSettings.EnvironmentPrefix}{key}={value}: {rule}");
        }

        Check(System.Text.RegularExpressions.Regex.IsMatch(s.Namespace, "^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$"), "NAMESPACE", s.Namespace, "must be a namespace name (a DNS label)");
        Check(Uri.TryCreate(s.ListenUrl, UriKind.Absolute, out var url) && url.Scheme is "http" or "https", "OPERATOR_URL", s.ListenUrl, "must be an absolute http(s) URL");
        Check(!string.IsNullOrWhiteSpace(s.LeaseName), "LEASE_NAME", s.LeaseName, "must not be empty");
        Check(s.LeaseDurationSeconds > 0, "LEASE_DURATION_SECONDS", s.LeaseDurationSeconds, "must be greater than 0");
        Check(s.RenewDeadlineSeconds > 0 && s.RenewDeadlineSeconds < s.LeaseDurationSeconds, "LEASE_RENEW_DEADLINE_SECONDS", s.RenewDeadlineSeconds,
            $"must be greater than 0 and less than LEASE_DURATION_SECONDS ({s.LeaseDurationSeconds}), so a leader stops before its lease can pass on");
        Check(s.RetryPeriodSeconds > 0 && s.RetryPeriodSeconds < s.RenewDeadlineSeconds, "LEASE_RETRY_PERIOD_SECONDS", s.RetryPeriodSeconds,
            $"must be greater than 0 and less than LEASE_RENEW_DEADLINE_SECONDS ({s.RenewDeadlineSeconds})");
        Check(s.WatchTimeoutSeconds > 0, "WATCH_TIMEOUT_SECONDS", s.WatchTimeoutSeconds, "must be greater than 0");
        Check(s.WatchStallSeconds > s.WatchTimeoutSeconds, "WATCH_STALL_SECONDS", s.WatchStallSeconds,
            $"must be greater than WATCH_TIMEOUT_SECONDS ({s.WatchTimeoutSeconds}), or healthy watches are abandoned");
        Check(s.ReconcileConcurrency is >= 1 and <= 1024, "RECONCILE_CONCURRENCY", s.ReconcileConcurrency, "must be between 1 and 1024");
        Check(s.AgingThresholdSeconds > 0, "AGING_THRESHOLD_SECONDS", s.AgingThresholdSeconds, "must be greater than 0");
        Check(s.MaxQueueSeconds > 0, "MAX_QUEUE_SECONDS", s.MaxQueueSeconds, "must be greater than 0");
        Check(s.RetentionAfterFinishSeconds >= 0, "RETENTION_AFTER_FINISH_SECONDS", s.RetentionAfterFinishSeconds, "must not be negative");
        Check(s.RenamedRetentionAfterArchiveSeconds is null, "RETENTION_AFTER_ARCHIVE_SECONDS", s.RenamedRetentionAfterArchiveSeconds ?? "",
            $"was renamed {OperatorSettings.EnvironmentPrefix}RETENTION_AFTER_FINISH_SECONDS (the retention now counts from the job's finish, not from its archive write)");
        Check(!string.IsNullOrWhiteSpace(s.DatabaseUrl), "DATABASE_URL", s.DatabaseUrl ?? "",
            "is required: the history database, as postgresql://user:password@host:port/db or an Npgsql connection string");
        if (!string.IsNullOrWhiteSpace(s.DatabaseUrl)) CheckDatabaseUrl(s.DatabaseUrl, failures);
        Check(s.ResultInlineMaxBytes is >= 0 and <= InlineLimit, "RESULT_INLINE_MAX_BYTES", s.ResultInlineMaxBytes,
            $"must be between 0 and {InlineLimit} (larger results belong in the database, not in etcd)");
        Check(s.ResultMaxBytes >= 1 && s.ResultMaxBytes <= int.MaxValue && s.ResultMaxBytes >= s.ResultInlineMaxBytes, "RESULT_MAX_BYTES", s.ResultMaxBytes,
            $"must be at least RESULT_INLINE_MAX_BYTES ({s.ResultInlineMaxBytes}) and at most {int.MaxValue}");
        Check(s.ArchiveRetryBaseSeconds > 0, "ARCHIVE_RETRY_BASE_SECONDS", s.ArchiveRetryBaseSeconds, "must be greater than 0");
        Check(s.ArchiveRetryMaxSeconds >= s.ArchiveRetryBaseSeconds, "ARCHIVE_RETRY_MAX_SECONDS", s.ArchiveRetryMaxSeconds,
            $"must be at least ARCHIVE_RETRY_BASE_SECONDS ({s.ArchiveRetryBaseSeconds})");
        Check(s.ArchiveBatchSize is >= 1 and <= 1000, "ARCHIVE_BATCH_SIZE", s.ArchiveBatchSize, "must be between 1 and 1000");
        Check(s.HistorySweepSeconds > 0, "HISTORY_SWEEP_SECONDS", s.HistorySweepSeconds, "must be greater than 0");
        Check(s.PollIntervalSeconds > 0, "POLL_INTERVAL_SECONDS", s.PollIntervalSeconds, "must be greater than 0");
        Check(s.PoolResyncSeconds > 0, "POOL_RESYNC_SECONDS", s.PoolResyncSeconds, "must be greater than 0");
        Check(s.WorkerTimeoutSeconds > 0, "WORKER_TIMEOUT_SECONDS", s.WorkerTimeoutSeconds, "must be greater than 0");
        Check(s.LostAfterFailedPolls >= 1, "LOST_AFTER_FAILED_POLLS", s.LostAfterFailedPolls, "must be at least 1");
        Check(s.RetryBaseSeconds > 0, "RETRY_BASE_SECONDS", s.RetryBaseSeconds, "must be greater than 0");
        Check(s.RetryMaxSeconds >= s.RetryBaseSeconds, "RETRY_MAX_SECONDS", s.RetryMaxSeconds, $"must be at least RETRY_BASE_SECONDS ({s.RetryBaseSeconds})");
        Check(Enum.IsDefined(s.LogLevel), "LOG_LEVEL", s.LogLevel, "must be Trace, Debug, Information, Warning, Error, Critical or None");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>A malformed connection is named at start (without its password), not at the first archive write.</summary>
    private static void CheckDatabaseUrl(string url, List<string> failures)
    {
        try
        {
            _ = new Npgsql.NpgsqlConnectionStringBuilder(Nexus.Shared.History.DatabaseUrl.ToConnectionString(url.Trim()));
        }
        catch (Exception e) when (e is FormatException or ArgumentException or KeyNotFoundException)
        {
            failures.Add($"{OperatorSettings.EnvironmentPrefix}DATABASE_URL=(value not shown: it may hold a password): {e.Message}");
        }
    }
}
