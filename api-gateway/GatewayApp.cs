using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;
using Nexus.Gateway.Api;
using Nexus.Gateway.Api.OpenApi;
using Nexus.Gateway.Cache;
using Nexus.Gateway.Dashboard;
using Nexus.Gateway.Events;
using Nexus.Gateway.Extensions;
using Nexus.Gateway.Metrics;
using Nexus.Gateway.Settings;
using Nexus.Gateway.Webhooks;
using Prometheus;

namespace Nexus.Gateway;

/// <summary>
/// Builds the gateway: from the environment (<see cref="RunAsync"/>, the binary), or from given options
/// (<see cref="StartAsync"/>: in-process, for tests and benchmarks). Both bind and check the same settings.
/// </summary>
public static class GatewayApp
{
    /// <summary>Runs until stopped. A bad setting stops it at start: the message names the variable, exit code 2.</summary>
    public static async Task<int> RunAsync(TextWriter errors)
    {
        WebApplication app;
        try
        {
            app = Build(GatewayEnvironment.Read(Environment.GetEnvironmentVariables()));
            await app.StartAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is OptionsValidationException or InvalidOperationException)
        {
            await errors.WriteLineAsync("gateway cannot start, invalid settings: " + GatewayEnvironment.Explain(e.Message)).ConfigureAwait(false);
            return 2;
        }
        await app.WaitForShutdownAsync().ConfigureAwait(false);
        await app.DisposeAsync().ConfigureAwait(false);
        return 0;
    }

    public static WebApplication Build(GatewayOptions options) => Build(GatewayEnvironment.From(options));

    private static WebApplication Build(IReadOnlyDictionary<string, string?> settings)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(GatewayApp).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.WebHost.UseUrls(builder.Configuration[$"{GatewayOptions.Section}:{nameof(GatewayOptions.Urls)}"] ?? new GatewayOptions().Urls);
        builder.Logging.AddGatewayLogging();
        builder.Services
            .AddGatewayOptions(builder.Configuration)
            .AddHistoryDatabase()
            .AddKubernetesAccess()
            .AddGatewayCaches()
            .AddApiKeyAuthentication()
            .AddJobSubmission()
            .AddJobReading()
            .AddJobEvents();

        var app = builder.Build();
        // Make sure the estimator is subscribed to the cache before the first list arrives.
        app.Services.GetRequiredService<Jobs.CompletionEstimator>();
        app.Services.GetRequiredService<Events.JobEventFeed>();
        GatewayMetrics.PublishKnownSeries();
        app.UseApiErrors();
        app.UseRouting();
        app.UseHttpMetrics();
        app.UseRateLimiter();
        app.MapJobEndpoints();
        app.MapWebhookEndpoints();
        app.MapOpsEndpoints();
        app.MapDashboard();
        app.MapOpenApiDocument();
        return app;
    }

    /// <summary>Builds and starts the gateway; the returned app knows its real address (useful with port 0).</summary>
    public static async Task<RunningGateway> StartAsync(GatewayOptions options, CancellationToken ct = default)
    {
        var app = Build(options);
        await app.StartAsync(ct).ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new RunningGateway(app, new Uri(address.Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal)));
    }
}

/// <summary>A gateway started in-process.</summary>
public sealed class RunningGateway(WebApplication app, Uri baseAddress) : IAsyncDisposable
{
    public WebApplication App { get; } = app;
    public Uri BaseAddress { get; } = baseAddress;
    public IServiceProvider Services => App.Services;

    /// <summary>Waits until every cache is synced and the history database is migrated (what /readyz reports).</summary>
    public async Task WaitReadyAsync(TimeSpan timeout)
    {
        var caches = App.Services.GetRequiredService<GatewayCaches>();
        var history = App.Services.GetRequiredService<History.HistoryReadiness>();
        await Task.WhenAll(caches.WaitForSyncAsync(CancellationToken.None), history.WaitAsync(CancellationToken.None))
            .WaitAsync(timeout).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync().ConfigureAwait(false);
        await App.DisposeAsync().ConfigureAwait(false);
    }
}
