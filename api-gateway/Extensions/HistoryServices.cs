using Nexus.Gateway.Webhooks;
using Nexus.Shared.History;

namespace Nexus.Gateway.Extensions;

/// <summary>
/// The job history database (PostgreSQL, <c>NEXUS_DATABASE_URL</c>): one <see cref="HistoryDatabase"/> per process,
/// migrated at start by <see cref="HistoryStartup"/>; and what runs on it here, the webhook sender.
/// </summary>
public static class HistoryServices
{
    public static IServiceCollection AddHistory(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(sp => new WebhookUrlPolicy(sp.GetRequiredService<GatewayOptions>().WebhookAllowedHosts));
        // Without a database the gateway still serves jobs; the webhook endpoints then answer 503.
        if (string.IsNullOrWhiteSpace(configuration[$"{GatewayOptions.Section}:{nameof(GatewayOptions.DatabaseUrl)}"])) return services;
        services.AddSingleton(sp => new HistoryDatabase(new HistoryOptions { ConnectionString = sp.GetRequiredService<GatewayOptions>().DatabaseUrl! }));
        services.AddSingleton<HistoryStartup>();
        services.AddHostedService(sp => sp.GetRequiredService<HistoryStartup>());
        services.AddSingleton(sp => new WebhookPayloads(sp.GetRequiredService<HistoryDatabase>(),
            sp.GetRequiredService<GatewayOptions>().WebhookMaxResultKb * 1024L));
        services.AddSingleton(sp => WebhookSenderOptions.From(sp.GetRequiredService<GatewayOptions>()));
        services.AddHostedService<WebhookSender>();
        return services;
    }
}

/// <summary>
/// Brings the schema up to date at start. A database that is down is retried with backoff (each failure logged
/// with its reason) instead of failing the process; <see cref="Ready"/> completes once the schema is current.
/// </summary>
public sealed class HistoryStartup(HistoryDatabase history, ILogger<HistoryStartup> logger) : BackgroundService
{
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task Ready => _ready.Task;

    public bool IsReady => _ready.Task.IsCompletedSuccessfully;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var delay = TimeSpan.FromMilliseconds(250);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var applied = await history.MigrateAsync(stoppingToken).ConfigureAwait(false);
                if (applied.Count > 0) logger.LogInformation("Job history schema migrated: applied {Versions}", string.Join(", ", applied));
                _ready.TrySetResult();
                return;
            }
            catch (HistoryUnavailableException ex)
            {
                logger.LogWarning("Job history database unavailable at start, retrying in {Delay}: {Reason}", delay, ex.Message);
            }
            try
            {
                await Task.Delay(delay, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            delay = TimeSpan.FromTicks(Math.Min(TimeSpan.FromSeconds(30).Ticks, delay.Ticks * 2));
        }
    }
}
