using k8s;
using k8s.Models;
using Nexus.KubeApiServer;
using Nexus.NodeAgent;
using LocalAgent = Nexus.NodeAgent.NodeAgent;

namespace Nexus.Tests.Agent;

/// <summary>The real stand-in (its built-in deployment shortcut off) and a node agent against it, in this process.</summary>
public sealed class AgentHarness : IAsyncDisposable
{
    private readonly KubeApiServer.KubeApiServer _server;
    private CancellationTokenSource? _running;
    private Task? _loop;

    private AgentHarness(KubeApiServer.KubeApiServer server, IClock clock)
    {
        _server = server;
        Kube = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(server.KubeconfigPath));
        Agent = new LocalAgent(Kube, new AgentOptions { SyncInterval = TimeSpan.FromMilliseconds(100), Log = _ => { } }, clock);
    }

    public IKubernetes Kube { get; }
    public LocalAgent Agent { get; }
    public string Dir { get; } = Directory.CreateTempSubdirectory("node-agent-test-").FullName;

    public static async Task<AgentHarness> StartAsync(IClock? clock = null) =>
        new(await KubeApiServer.KubeApiServer.StartAsync(new KubeApiServerOptions { SimulateDeploymentReadiness = false }), clock ?? SystemClock.Instance);

    /// <summary>Runs the agent's loop in the background (a test with a fake clock drives SyncOnceAsync itself instead).</summary>
    public void Run()
    {
        _running = new CancellationTokenSource();
        _loop = Task.Run(() => Agent.RunAsync(_running.Token));
    }

    public static V1Deployment Deployment(string name, int replicas, string command, V1Probe? readiness = null, long grace = 5) => new()
    {
        ApiVersion = "apps/v1",
        Kind = "Deployment",
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1DeploymentSpec
        {
            Replicas = replicas,
            Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = name } },
            Template = new V1PodTemplateSpec
            {
                Metadata = new V1ObjectMeta
                {
                    Labels = new Dictionary<string, string> { ["app"] = name },
                    Annotations = new Dictionary<string, string> { [LocalConvention.CommandAnnotation] = command },
                },
                Spec = new V1PodSpec
                {
                    TerminationGracePeriodSeconds = grace,
                    Containers =
                    [
                        new V1Container
                        {
                            Name = "main", Image = "local",
                            Ports = [new V1ContainerPort { Name = "http", ContainerPort = 8080 }],
                            ReadinessProbe = readiness,
                        },
                    ],
                },
            },
        },
    };

    public async Task<IList<V1Pod>> PodsAsync(string app) =>
        (await Kube.CoreV1.ListNamespacedPodAsync("default", labelSelector: "app=" + app)).Items;

    public async ValueTask DisposeAsync()
    {
        if (_running is not null)
        {
            await _running.CancelAsync();
            await _loop!;
            _running.Dispose();
        }
        else
        {
            foreach (var pod in Agent.Pods.Values) await pod.StopAsync();
        }
        Kube.Dispose();
        await _server.DisposeAsync();
        try { Directory.Delete(Dir, recursive: true); } catch (IOException) { }
    }
}
