using Nexus.Shared;

namespace Nexus.Gateway.Kube;

/// <summary>Runs the shared <see cref="ApiServerProbe"/> for the gateway's client, which /readyz reads.</summary>
public sealed class ApiServerProbeService(KubeApi api) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => new ApiServerProbe(api).RunAsync(stoppingToken);
}
