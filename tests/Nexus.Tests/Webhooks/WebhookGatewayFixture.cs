using Microsoft.Extensions.DependencyInjection;
using Nexus.Gateway.Extensions;
using Nexus.Shared.History;
using Nexus.Tests.Gateway;
using Nexus.Tests.Support;

namespace Nexus.Tests.Webhooks;

/// <summary>
/// A real gateway (in front of the Kubernetes API stand-in) with its own fresh PostgreSQL database and a webhook sender
/// tuned for tests (100 ms first retry, 1 s timeout, loopback allowed over http), plus a second client of the same
/// database that plays the operator: it archives finished jobs, which is what enqueues their webhooks.
/// </summary>
public sealed class WebhookGatewayFixture : IAsyncLifetime
{
    public GatewayHarness Harness { get; private set; } = null!;
    public HistoryDatabase Operator { get; private set; } = null!;
    public string ConnectionString { get; private set; } = "";
    private PostgresServer _server = null!;

    public async Task InitializeAsync()
    {
        _server = await PostgresServer.SharedAsync();
        ConnectionString = await _server.CreateDatabaseAsync("webhooks");
        Harness = await GatewayHarness.StartAsync(o =>
        {
            o.DatabaseUrl = ConnectionString;
            o.WebhookAllowedHosts = "127.0.0.1";
            o.WebhookTimeoutSeconds = 1;
            o.WebhookPollMilliseconds = 50;
            o.WebhookRetryBaseMilliseconds = 100;
            o.WebhookRetryMaxSeconds = 1;
            return o;
        });
        await WaitMigratedAsync(Harness.Gateway.Services);
        Operator = new HistoryDatabase(new HistoryOptions { ConnectionString = ConnectionString });
    }

    public static Task WaitMigratedAsync(IServiceProvider services) =>
        services.GetRequiredService<Nexus.Gateway.History.HistoryReadiness>().WaitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token);

    public async Task DisposeAsync()
    {
        await Harness.DisposeAsync();
        await Operator.DisposeAsync();
        await _server.DropDatabaseAsync(ConnectionString);
    }
}
