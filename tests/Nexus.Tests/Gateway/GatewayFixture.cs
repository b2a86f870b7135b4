namespace Nexus.Tests.Gateway;

/// <summary>One stand-in + gateway shared by a test class; tests isolate themselves with their own tenants.</summary>
public sealed class GatewayFixture : IAsyncLifetime
{
    public GatewayHarness Harness { get; private set; } = null!;

    public async Task InitializeAsync() => Harness = await GatewayHarness.StartAsync();

    public async Task DisposeAsync() => await Harness.DisposeAsync();

    public static string NewTenant() => "t" + Guid.NewGuid().ToString("N")[..12];
}
