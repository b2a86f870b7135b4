using System.Text.Json;
using Testcontainers.K3s;

namespace Nexus.KubeApiServer.Tests.Support;

/// <summary>
/// Where the conformance suite runs: the in-process stand-in, or a real cluster (KUBECONFIG with
/// NEXUS_TEST_REAL_CLUSTER=1, or a K3s container when a Docker engine is reachable).
/// </summary>
public sealed class ClusterTarget
{
    public const string StandIn = "stand-in";
    public const string RealCluster = "real-cluster";

    static readonly SemaphoreSlim Gate = new(1, 1);
    static readonly Dictionary<string, ClusterTarget> Started = new();

    ClusterTarget(Kubernetes client, KubeApiServer? server, string kubeconfigPath)
    {
        Client = client;
        Server = server;
        KubeconfigPath = kubeconfigPath;
    }

    public Kubernetes Client { get; }
    /// <summary>A kubeconfig file for other clients (kubectl, the Python client).</summary>
    public string KubeconfigPath { get; }
    /// <summary>The stand-in, or null on a real cluster.</summary>
    public KubeApiServer? Server { get; }
    public bool IsStandIn => Server is not null;

    /// <summary>Why the real-cluster variant cannot run here, or null when it can.</summary>
    public static string? RealClusterUnavailable { get; } = ProbeRealCluster();

    static string? ProbeRealCluster()
    {
        if (Environment.GetEnvironmentVariable("NEXUS_TEST_REAL_CLUSTER") == "1")
        {
            var path = Environment.GetEnvironmentVariable("KUBECONFIG");
            return string.IsNullOrEmpty(path) || !File.Exists(path.Split(':')[0])
                ? "NEXUS_TEST_REAL_CLUSTER=1 but KUBECONFIG does not name a readable kubeconfig file"
                : null;
        }
        var dockerHost = Environment.GetEnvironmentVariable("DOCKER_HOST");
        if (!string.IsNullOrEmpty(dockerHost) || File.Exists("/var/run/docker.sock")) return null;
        return "no real cluster: set NEXUS_TEST_REAL_CLUSTER=1 with KUBECONFIG, or make a Docker engine reachable for Testcontainers.K3s";
    }

    public static async Task<ClusterTarget> GetAsync(string name)
    {
        await Gate.WaitAsync();
        try
        {
            if (Started.TryGetValue(name, out var existing)) return existing;
            var target = name == StandIn ? await StartStandInAsync() : await ConnectRealClusterAsync();
            Started[name] = target;
            return target;
        }
        finally
        {
            Gate.Release();
        }
    }

    static async Task<ClusterTarget> StartStandInAsync()
    {
        // Lives for the whole test run, like a cluster; per-test namespaces keep tests apart.
        var server = await KubeApiServer.StartAsync(new KubeApiServerOptions { CrdPaths = { RepoRoot.Crds } });
        return new ClusterTarget(server.CreateClient(), server, server.KubeconfigPath);
    }

    static async Task<ClusterTarget> ConnectRealClusterAsync()
    {
        KubernetesClientConfiguration config;
        string kubeconfigPath;
        if (Environment.GetEnvironmentVariable("NEXUS_TEST_REAL_CLUSTER") == "1")
        {
            kubeconfigPath = Environment.GetEnvironmentVariable("KUBECONFIG")!.Split(':')[0];
            config = KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfigPath);
        }
        else
        {
            var k3s = new K3sBuilder("rancher/k3s:v1.32.4-k3s1").Build();
            await k3s.StartAsync();
            var kubeconfig = Path.Combine(Path.GetTempPath(), $"nexus-k3s-{Guid.NewGuid():N}.kubeconfig");
            await File.WriteAllTextAsync(kubeconfig, await k3s.GetKubeconfigAsync());
            config = KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfig);
            kubeconfigPath = kubeconfig;
        }
        var client = new Kubernetes(config);
        foreach (var file in Directory.GetFiles(RepoRoot.Crds, "*.yaml"))
        {
            var crd = KubernetesYaml.Deserialize<V1CustomResourceDefinition>(await File.ReadAllTextAsync(file));
            try { await client.ApiextensionsV1.CreateCustomResourceDefinitionAsync(crd); }
            catch (k8s.Autorest.HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.Conflict) { }
            await Eventually.UntilAsync(async () =>
            {
                var current = await client.ApiextensionsV1.ReadCustomResourceDefinitionAsync(crd.Metadata.Name);
                return current.Status?.Conditions?.Any(c => c.Type == "Established" && c.Status == "True") == true;
            }, $"CRD {crd.Metadata.Name} established", TimeSpan.FromSeconds(60));
        }
        return new ClusterTarget(client, null, kubeconfigPath);
    }

    /// <summary>A fresh namespace for one test.</summary>
    public async Task<string> NewNamespaceAsync()
    {
        var ns = await Client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { GenerateName = "t-" } });
        return ns.Metadata.Name;
    }

    public static JsonObject Node(object result) => JsonSerializer.SerializeToNode(result)!.AsObject();
}

/// <summary>Runs a conformance theory against the stand-in.</summary>
public sealed class StandInAttribute : Xunit.Sdk.DataAttribute
{
    public override IEnumerable<object[]> GetData(System.Reflection.MethodInfo testMethod) => [[ClusterTarget.StandIn]];
}

/// <summary>Runs a conformance theory against a real cluster; skipped, with the reason printed, where none exists.</summary>
public sealed class RealClusterAttribute : Xunit.Sdk.DataAttribute
{
    public RealClusterAttribute()
    {
        if (ClusterTarget.RealClusterUnavailable is { } why) Skip = why;
    }

    public override IEnumerable<object[]> GetData(System.Reflection.MethodInfo testMethod) => [[ClusterTarget.RealCluster]];
}
