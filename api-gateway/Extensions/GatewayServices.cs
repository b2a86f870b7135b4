using k8s.Models;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;
using Nexus.Crds.Entities;
using Nexus.Gateway.Api;
using Nexus.Gateway.Auth;
using Nexus.Gateway.Cache;
using Nexus.Gateway.Jobs;
using Nexus.Gateway.Kube;
using Nexus.Gateway.Metrics;
using Nexus.Gateway.RateLimiting;
using Nexus.Gateway.Settings;
using Nexus.Shared;

namespace Nexus.Gateway.Extensions;

/// <summary>The gateway's services, one <c>Add...</c> per concern; <see cref="GatewayApp"/> calls them in order.</summary>
public static class GatewayServices
{
    /// <summary>Settings bound from the configuration section <c>Gateway</c>, checked when the host starts.</summary>
    public static IServiceCollection AddGatewayOptions(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<GatewayOptions>().Bind(configuration.GetSection(GatewayOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<GatewayOptions>, GatewayOptionsValidator>();
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<GatewayOptions>>().Value);
        services.AddSingleton(TimeProvider.System);
        // Bodies are read and limited by the handlers (413 in the API's envelope); this is only the outer bound.
        services.AddOptions<KestrelServerOptions>().Configure<IOptions<GatewayOptions>>((kestrel, gateway) =>
        {
            kestrel.Limits.MaxRequestBodySize = Math.Max(gateway.Value.MaxBodyBytes * 4L, 4 * 1024 * 1024);
            kestrel.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(gateway.Value.RequestHeadersTimeoutSeconds);
        });
        services.AddServerRejectionEnvelope();
        services.ConfigureHttpJsonOptions(json => ApiJson.Configure(json.SerializerOptions));
        return services;
    }

    /// <summary>JSON lines (or simple lines, or nothing) at the configured level; per-request framework logs are left out.</summary>
    public static ILoggingBuilder AddGatewayLogging(this ILoggingBuilder logging)
    {
        logging.ClearProviders();
        logging.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ "; o.UseUtcTimestamp = true; });
        logging.AddJsonConsole(o => { o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ"; o.UseUtcTimestamp = true; });
        // Per-request framework logs would cost more than the requests; errors still surface.
        logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        logging.AddFilter("System.Net.Http", LogLevel.Warning);
        logging.Services.AddOptions<ConsoleLoggerOptions>().Configure<IOptions<GatewayOptions>>((console, gateway) =>
            console.FormatterName = Format(gateway.Value) == "simple" ? ConsoleFormatterNames.Simple : ConsoleFormatterNames.Json);
        logging.Services.AddOptions<LoggerFilterOptions>().Configure<IOptions<GatewayOptions>>((filter, gateway) =>
        {
            filter.MinLevel = gateway.Value.MinimumLogLevel ?? LogLevel.Information;
            if (Format(gateway.Value) != "none") return;
            filter.Rules.Clear();
            filter.MinLevel = LogLevel.None;
        });
        return logging;

        static string Format(GatewayOptions options) => options.LogFormat.Trim().ToLowerInvariant();
    }

    /// <summary>The shared runtime's Kubernetes client, and the gateway's reads and writes through it.</summary>
    public static IServiceCollection AddKubernetesAccess(this IServiceCollection services)
    {
        services.AddSingleton(sp => new KubeApi(KubeApi.LoadConfig(sp.GetRequiredService<GatewayOptions>().KubeconfigPath)));
        services.AddSingleton(sp => new KubeObjects(sp.GetRequiredService<KubeApi>(), sp.GetRequiredService<GatewayOptions>().Namespace));
        services.AddHostedService<ApiServerProbeService>();
        return services;
    }

    /// <summary>The watch-backed caches of AiJobs, AiJobBatches, API-key Secrets and TenantQuotas, and the service that runs them.</summary>
    public static IServiceCollection AddGatewayCaches(this IServiceCollection services)
    {
        services.AddSingleton(sp => new JobCache(NewInformer<AiJob>(sp, ResourceKind.AiJob, null, "aijobs", SlimJob)));
        services.AddSingleton(sp => new BatchCache(NewInformer<AiJobBatch>(sp, ResourceKind.AiJobBatch, null, "aijobbatches")));
        services.AddSingleton(sp => new ApiKeyCache(NewInformer<V1Secret>(sp, ResourceKind.Secret, ApiKeySecret.Selector, "apikeys")));
        services.AddSingleton(sp => new TenantQuotaBook(NewInformer<TenantQuota>(sp, ResourceKind.TenantQuota, null, "tenantquotas")));
        services.AddSingleton<GatewayCaches>();
        services.AddHostedService(sp => sp.GetRequiredService<GatewayCaches>());
        return services;
    }

    /// <summary>Bearer API keys, checked against the key cache.</summary>
    public static IServiceCollection AddApiKeyAuthentication(this IServiceCollection services)
    {
        services.AddSingleton(sp =>
        {
            var keys = sp.GetRequiredService<ApiKeyCache>();
            return new Authenticator(keys.FindByKey, () => keys.Informer.IsSynced);
        });
        services.AddApiKeyRateLimits();
        return services;
    }

    /// <summary>Dispatch of jobs and batches: completion estimates, queue limits, the submitters (Idempotency-Keys are in the history database).</summary>
    public static IServiceCollection AddJobSubmission(this IServiceCollection services)
    {
        services.AddSingleton(sp =>
        {
            var estimator = new CompletionEstimator(sp.GetRequiredService<GatewayOptions>().EstimatorSamples);
            var index = sp.GetRequiredService<JobCache>().Index;
            index.Changed += estimator.Observe;
            index.Changed += (_, _) => GatewayMetrics.CachedJobs.Set(index.Count);
            return estimator;
        });
        services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<GatewayOptions>();
            return new QueueGate(sp.GetRequiredService<JobCache>().Index, options.MaxQueuedJobs, options.MaxQueuedJobsPerTenant,
                sp.GetRequiredService<TenantQuotaBook>().For);
        });
        services.AddSingleton(sp => new QueueFullPolicy(sp.GetRequiredService<GatewayOptions>().QueueFullRetryAfterSeconds));
        services.AddSingleton<JobSubmitter>();
        services.AddSingleton<BatchSubmitter>();
        return services;
    }

    /// <summary>Reads (with the long-poll) from the cache and the history database, lists merging both, and cancels.</summary>
    public static IServiceCollection AddJobReading(this IServiceCollection services)
    {
        services.AddSingleton(sp => new JobReader(sp.GetRequiredService<JobCache>(), sp.GetRequiredService<BatchCache>(),
            sp.GetRequiredService<KubeObjects>(), () => sp.GetRequiredService<GatewayCaches>().ReadsSynced,
            sp.GetRequiredService<GatewayOptions>().CacheMissFallbackWindow, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<JobViews>();
        services.AddSingleton<JobLister>();
        services.AddSingleton<JobCanceller>();
        services.AddSingleton<JobRetrier>();
        return services;
    }

    /// <summary>
    /// The slim cache: AiJobs without <c>managedFields</c> and without results (a finished job's result is read from
    /// the history database, or once from the AiJob before it is archived), so memory follows the live jobs only.
    /// </summary>
    private static object SlimJob(object item)
    {
        var job = (AiJob)item;
        job.Metadata.ManagedFields = null;
        if (job.Status is { } status) status.Result = null;
        return job;
    }

    private static Informer<T> NewInformer<T>(IServiceProvider sp, ResourceKind kind, string? selector, string name, Func<object, object>? trim = null)
        where T : class, k8s.IKubernetesObject<V1ObjectMeta>
    {
        var options = sp.GetRequiredService<GatewayOptions>();
        var watch = new InformerOptions(options.Namespace)
        {
            LabelSelector = selector,
            WatchTimeoutSeconds = options.WatchTimeoutSeconds,
            // A watch that goes silent behind a proxy is abandoned a little after its server-side timeout.
            WatchStallTimeout = TimeSpan.FromSeconds(options.WatchTimeoutSeconds + 30),
            Trim = trim,
        };
        return new Informer<T>(sp.GetRequiredService<KubeApi>(), kind, watch,
            sp.GetRequiredService<ILoggerFactory>().CreateLogger("Nexus.Gateway.Informer." + name));
    }
}
