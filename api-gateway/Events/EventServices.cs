namespace Nexus.Gateway.Events;

/// <summary>The event streams' ring, the feed that fills it from the job cache, the streams' settings and their slots per key.</summary>
public static class EventServices
{
    public static IServiceCollection AddJobEvents(this IServiceCollection services)
    {
        services.AddSingleton(sp => new EventRing(sp.GetRequiredService<GatewayOptions>().EventRingSize));
        services.AddSingleton(sp => new JobEventFeed(sp.GetRequiredService<Cache.JobCache>().Index, sp.GetRequiredService<EventRing>(),
            sp.GetRequiredService<Jobs.JobViews>(), sp.GetRequiredService<GatewayOptions>().EventMaxResultKb, sp.GetRequiredService<ILogger<JobEventFeed>>()));
        services.AddHostedService(sp => sp.GetRequiredService<JobEventFeed>());
        services.AddSingleton(sp => new StreamSlots(sp.GetRequiredService<GatewayOptions>().EventMaxStreamsPerKey));
        services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<GatewayOptions>();
            return new EventStreamSettings(TimeSpan.FromSeconds(options.EventHeartbeatSeconds), options.EventRetryMilliseconds,
                TimeSpan.FromSeconds(options.EventWriteTimeoutSeconds), sp.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping);
        });
        return services;
    }
}
