using StandIn = Nexus.KubeApiServer.KubeApiServer;
using StandInOptions = Nexus.KubeApiServer.KubeApiServerOptions;

namespace Nexus.Tests.Support;

/// <summary>
/// The API stand-in with the CRDs applied, stopped and started again on the same port and kubeconfig, the way a
/// restarted API server (or a reset in-memory one) looks to its clients: same address, and either the same state
/// (with a data file) or an empty store whose resourceVersions start again from the beginning.
/// </summary>
public sealed class RestartableStandIn : IAsyncDisposable
{
    private readonly string _kubeconfig = Path.Combine(Path.GetTempPath(), $"nexus-restart-{Guid.NewGuid():N}.kubeconfig");
    private readonly Action<StandInOptions>? _tune;
    private int _port;

    private RestartableStandIn(Action<StandInOptions>? tune) => _tune = tune;

    /// <summary>The server now running; null while stopped.</summary>
    public StandIn? Server { get; private set; }

    public StandIn Current => Server ?? throw new InvalidOperationException("the stand-in is stopped");
    public string KubeconfigPath => _kubeconfig;

    public static async Task<RestartableStandIn> StartAsync(Action<StandInOptions>? tune = null)
    {
        var s = new RestartableStandIn(tune);
        await s.StartAgainAsync();
        return s;
    }

    /// <summary>Stops the server: open watches end, new connections are refused.</summary>
    public async Task StopAsync()
    {
        if (Server is null) return;
        await Server.DisposeAsync();
        Server = null;
    }

    /// <summary>Starts a fresh server on the same port (its state is empty unless the options name a data file).</summary>
    public async Task StartAgainAsync()
    {
        var options = new StandInOptions { Port = _port, KubeconfigPath = _kubeconfig, RecordRequests = false };
        options.CrdPaths.Add(RepoPaths.Of("crds"));
        _tune?.Invoke(options);
        // The port was just released: a listener that still lingers is retried for a moment.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            try
            {
                Server = await StandIn.StartAsync(options);
                break;
            }
            catch (IOException) when (DateTime.UtcNow < deadline && _port != 0)
            {
                await Task.Delay(100);
            }
        }
        _port = new Uri(Server.Url).Port;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        try { File.Delete(_kubeconfig); } catch (IOException) { }
    }
}
