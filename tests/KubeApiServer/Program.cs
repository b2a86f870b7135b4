namespace Nexus.KubeApiServer;

/// <summary>
/// Standalone: <c>dotnet run --project tests/KubeApiServer -- [--port N] [--crds PATH]... [--kubeconfig PATH]</c>.
/// Serves in the foreground and prints "Kubeconfig: &lt;path&gt;" once it accepts requests.
/// </summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        var options = new KubeApiServerOptions();
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--port": options.Port = int.Parse(Next()); break;
                case "--crds": options.CrdPaths.Add(Next()); break;
                case "--kubeconfig": options.KubeconfigPath = Next(); break;
                case "--namespace": options.Namespaces.Add(Next()); break;
                // A node agent runs the Deployments' pods and reports their status instead.
                case "--no-builtin-controllers": options.SimulateDeploymentReadiness = false; break;
                case "-h" or "--help":
                    Console.WriteLine("usage: [--port N] [--crds FILE|DIR]... [--kubeconfig PATH] [--namespace NS]... [--no-builtin-controllers]");
                    return 0;
                default:
                    Console.Error.WriteLine($"unknown argument: {args[i]}");
                    return 2;
            }
        }
        options.RecordRequests = false;
        await using var server = await KubeApiServer.StartAsync(options);
        Console.WriteLine($"Serving the Kubernetes API stand-in at {server.Url}");
        Console.WriteLine($"Kubeconfig: {server.KubeconfigPath}");
        var done = new TaskCompletionSource();
        using var sigint = System.Runtime.InteropServices.PosixSignalRegistration.Create(
            System.Runtime.InteropServices.PosixSignal.SIGINT, c => { c.Cancel = true; done.TrySetResult(); });
        using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(
            System.Runtime.InteropServices.PosixSignal.SIGTERM, c => { c.Cancel = true; done.TrySetResult(); });
        await done.Task;
        return 0;
    }
}
