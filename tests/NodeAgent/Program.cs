using System.Runtime.InteropServices;
using k8s;

namespace Nexus.NodeAgent;

/// <summary>
/// <c>Nexus.NodeAgent [--kubeconfig PATH] [--namespace NS] [--node-name NAME] [--log-dir DIR]</c>: runs the
/// namespace's Deployments as local processes until SIGINT/SIGTERM, then stops them within their grace periods.
/// </summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        string? kubeconfig = Environment.GetEnvironmentVariable("KUBECONFIG"), ns = "default", node = "local-node", logs = null;
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--kubeconfig": kubeconfig = Next(); break;
                case "--namespace": ns = Next(); break;
                case "--node-name": node = Next(); break;
                case "--log-dir": logs = Next(); break;
                case "-h" or "--help":
                    Console.WriteLine("usage: [--kubeconfig PATH] [--namespace NS] [--node-name NAME] [--log-dir DIR]");
                    return 0;
                default:
                    Console.Error.WriteLine($"unknown argument: {args[i]}");
                    return 2;
            }
        }
        if (string.IsNullOrEmpty(kubeconfig))
        {
            Console.Error.WriteLine("no kubeconfig: pass --kubeconfig or set KUBECONFIG");
            return 2;
        }
        if (logs is not null) Directory.CreateDirectory(logs);
        var config = KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfig.Split(':')[0]);
        using var kube = new Kubernetes(config);
        using var stop = new CancellationTokenSource();
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.Cancel(); });
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Cancel(); });
        var agent = new NodeAgent(kube, new AgentOptions { Namespace = ns, NodeName = node, LogDirectory = logs }, SystemClock.Instance);
        Console.WriteLine($"Node agent {node} runs the Deployments of namespace {ns}");
        await agent.RunAsync(stop.Token);
        return 0;
    }
}
