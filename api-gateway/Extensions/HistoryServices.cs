using Microsoft.Extensions.Options;
using Nexus.Gateway.History;
using Nexus.Gateway.Settings;
using Nexus.Gateway.Webhooks;
using Nexus.Shared.History;

namespace Nexus.Gateway.Extensions;

/// <summary>
/// The job history database: one <see cref="HistoryDatabase"/> per process, migrated at start; and what runs on it
/// here, the webhook sender.
/// </summary>
public static class HistoryServices
{
    /// <summary>
    /// <c>NEXUS_DATABASE_URL</c> is required (checked when the host starts: exit 2 like any bad setting); the database
    /// is migrated in the background with retries, and readiness waits for it.
    /// </summary>
    public static IServiceCollection AddHistoryDatabase(this IServiceCollection services)
    {
        services.AddSingleton<IValidateOptions<GatewayOptions>, DatabaseSettingsValidator>();
        services.AddSingleton(sp => new HistoryDatabase(HistoryOptionsOf(sp.GetRequiredService<GatewayOptions>())));
        services.AddSingleton<HistoryReadiness>();
        services.AddHostedService(sp => sp.GetRequiredService<HistoryReadiness>());
        services.AddSingleton<Cache.LiveJobReader>();
        services.AddHostedService(sp => sp.GetRequiredService<Cache.LiveJobReader>());
        services.AddSingleton(sp => new WebhookUrlPolicy(sp.GetRequiredService<GatewayOptions>().WebhookAllowedHosts));
        services.AddSingleton(sp => new WebhookPayloads(sp.GetRequiredService<HistoryDatabase>(),
            sp.GetRequiredService<GatewayOptions>().WebhookMaxResultKb * 1024L));
        services.AddSingleton(sp => WebhookSenderOptions.From(sp.GetRequiredService<GatewayOptions>()));
        services.AddHostedService<WebhookSender>();
        return services;
    }

    public static HistoryOptions HistoryOptionsOf(GatewayOptions options)
    {
        var timeout = TimeSpan.FromSeconds(options.DatabaseTimeoutSeconds);
        return new HistoryOptions
        {
            ConnectionString = options.DatabaseUrl ?? throw new InvalidOperationException($"{HistoryOptions.UrlVariable} is not set"),
            IdempotencyTtl = options.IdempotencyTtl,
            ConnectTimeout = timeout,
            CommandTimeout = timeout,
        };
    }
}
