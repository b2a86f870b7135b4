using k8s;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Nexus.Crds.Entities;
using Nexus.Gateway.Api;
using Nexus.Gateway.Auth;
using Nexus.Gateway.Cache;
using Nexus.Gateway.Idempotency;
using Nexus.Gateway.Jobs;
using Nexus.Gateway.Kube;
using Nexus.Gateway.Metrics;
using Nexus.Shared;
using Prometheus;

namespace Nexus.Gateway;

/// <summary>Builds the gateway; <see cref="StartAsync"/> runs it in-process (tests, benchmarks) on the given URLs.</summary>
public static class GatewayApp
{
    public static WebApplication Build(GatewayOptions options, IKubernetes? client = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(GatewayApp).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.WebHost.UseUrls(options.Urls);
        // Bodies are read and limited by the handlers (413 in the API's envelope); this is only the outer bound.
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = Math.Max(options.MaxBodyBytes * 4L, 4 * 1024 * 1024));
        ConfigureLogging(builder.Logging, options);

        var services = builder.Services;
        services.AddSingleton(options);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(client ?? KubeClientFactory.Create(options.KubeconfigPath));
        services.AddSingleton(_ => new KubeApi(KubeApi.LoadConfig(options.KubeconfigPath)));
        services.AddSingleton<JobStore>();
        services.AddSingleton<ApiKeyStore>();
        services.AddSingleton<CacheSync>();
        services.AddSingleton(sp => sp.GetRequiredService<CacheSync>().Jobs);
        services.AddSingleton(sp => sp.GetRequiredService<CacheSync>().Batches);
        services.AddHostedService(sp => sp.GetRequiredService<CacheSync>());
        services.AddSingleton(sp => new Authenticator(sp.GetRequiredService<ApiKeyStore>(), () => sp.GetRequiredService<CacheSync>().Keys.IsSynced));
        services.AddSingleton(sp => new JobRepository(sp.GetRequiredService<IKubernetes>(), options.Namespace));
        services.AddSingleton(sp =>
        {
            var estimator = new CompletionEstimator(options.EstimatorSamples);
            var store = sp.GetRequiredService<JobStore>();
            store.Changed += estimator.Observe;
            store.Changed += (_, _) => GatewayMetrics.CachedJobs.Set(store.Count);
            return estimator;
        });
        services.AddSingleton(sp => new QueueGate(sp.GetRequiredService<JobStore>(), options.MaxQueuedJobs, options.MaxQueuedJobsPerTenant));
        services.AddSingleton(new QueueFullPolicy(options.QueueFullRetryAfterSeconds));
        services.AddSingleton(sp => new IdempotencyStore(sp.GetRequiredService<JobRepository>(), sp.GetRequiredService<TimeProvider>(), options.IdempotencyTtl));
        services.AddHostedService<IdempotencySweeper>();
        services.AddSingleton(sp => new JobReader(sp.GetRequiredService<JobStore>(), sp.GetRequiredService<Informer<AiJob>>(),
            sp.GetRequiredService<Informer<AiJobBatch>>(),
            sp.GetRequiredService<JobRepository>(), () => sp.GetRequiredService<CacheSync>().ReadsSynced,
            options.CacheMissFallbackWindow, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<JobDispatcher>();
        services.AddSingleton<BatchDispatcher>();
        services.AddSingleton<JobCanceller>();
        services.AddSingleton(sp => new ResultResolver(sp.GetRequiredService<JobRepository>(), options.ResultCacheBytes,
            sp.GetRequiredService<ILogger<ResultResolver>>()));
        services.AddOpenApi(o => o.AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = "Nexus AI Jobs API";
            document.Info.Description = "Dispatch AI worker jobs, poll their status and read their results. "
                                        + "Authenticate with 'Authorization: Bearer <api key>'; pick the tenant with X-Tenant-ID. Error codes: "
                                        + string.Join(", ", ErrorCodes.Statuses.Select(kv => $"{kv.Key} ({kv.Value})"));
            return Task.CompletedTask;
        }));

        var app = builder.Build();
        // Make sure the estimator is subscribed to the cache before the first list arrives.
        app.Services.GetRequiredService<CompletionEstimator>();
        GatewayMetrics.PublishKnownSeries();
        app.UseApiErrors();
        app.UseRouting();
        app.UseHttpMetrics();
        JobEndpoints.Map(app);
        OpsEndpoints.Map(app);
        Nexus.Gateway.Dashboard.DashboardHosting.MapDashboard(app);
        app.MapOpenApi("/openapi/{documentName}.json");
        return app;
    }

    /// <summary>Builds and starts the gateway; the returned app knows its real address (useful with port 0).</summary>
    public static async Task<RunningGateway> StartAsync(GatewayOptions options, IKubernetes? client = null, CancellationToken ct = default)
    {
        var app = Build(options, client);
        await app.StartAsync(ct).ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new RunningGateway(app, new Uri(address.Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal)));
    }

    private static void ConfigureLogging(ILoggingBuilder logging, GatewayOptions options)
    {
        logging.ClearProviders();
        if (options.LogFormat.Equals("simple", StringComparison.OrdinalIgnoreCase))
            logging.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ "; o.UseUtcTimestamp = true; });
        else if (!options.LogFormat.Equals("none", StringComparison.OrdinalIgnoreCase))
            logging.AddJsonConsole(o => { o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ"; o.UseUtcTimestamp = true; });
        logging.SetMinimumLevel(options.LogLevel);
        // Per-request framework logs would cost more than the requests; errors still surface.
        logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        logging.AddFilter("System.Net.Http", LogLevel.Warning);
    }
}

/// <summary>A gateway started in-process.</summary>
public sealed class RunningGateway(WebApplication app, Uri baseAddress) : IAsyncDisposable
{
    public WebApplication App { get; } = app;
    public Uri BaseAddress { get; } = baseAddress;
    public IServiceProvider Services => App.Services;

    /// <summary>Waits until every cache is synced (what /readyz reports).</summary>
    public async Task WaitReadyAsync(TimeSpan timeout)
    {
        var caches = App.Services.GetRequiredService<CacheSync>();
        await caches.WaitForSyncAsync(CancellationToken.None).WaitAsync(timeout).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync().ConfigureAwait(false);
        await App.DisposeAsync().ConfigureAwait(false);
    }
}
