namespace Nexus.KubeApiServer;

/// <summary>
/// Standalone: <c>dotnet run --project tests/KubeApiServer -- [--port N] [--crds PATH]... [--kubeconfig PATH]</c>.
/// Serves in the foreground and prints "Kubeconfig: &lt;path&gt;" once it accepts requests.
/// </summary>
public static class Program
{
    const string Usage = """
        usage: [--port N] [--crds FILE|DIR]... [--kubeconfig PATH] [--namespace NS]...
               [--compaction-interval DURATION] [--history-limit N] [--data-file PATH] [--no-builtin-controllers]
               [--rbac] [--service-account-kubeconfig NS/NAME=PATH]...
          --compaction-interval  how long changes stay watchable (etcd compaction by age; default 5m; e.g. 30s, 2m)
          --history-limit        most changes kept for watches (default 100000); older resourceVersions get 410
          --data-file            keep the objects in PATH across restarts (write-ahead log, fsynced per change;
                                 resourceVersions keep increasing); without it everything is in memory only
          --no-builtin-controllers  do not report Deployments' replicas as ready (a node agent runs their pods)
          --rbac                 authorize every request with the stored Roles and bindings (kube-apiserver's
                                 --authorization-mode=RBAC) for ServiceAccount tokens; requests without a token
                                 (kubectl sends none over plain http) are the cluster admin
          --service-account-kubeconfig NS/NAME=PATH
                                 write a kubeconfig that authenticates as that ServiceAccount (its token is valid
                                 while the account exists; `kubectl create token NAME -n NS` issues the same)
        """;

    /// <summary>A Go-style duration: 500ms, 30s, 5m, 1h (a bare number is seconds).</summary>
    public static TimeSpan ParseDuration(string text)
    {
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        (string Suffix, Func<double, TimeSpan> Make)[] units =
            [("ms", TimeSpan.FromMilliseconds), ("s", TimeSpan.FromSeconds), ("m", TimeSpan.FromMinutes), ("h", TimeSpan.FromHours)];
        foreach (var (suffix, make) in units)
            if (text.EndsWith(suffix, StringComparison.Ordinal) && double.TryParse(text[..^suffix.Length], inv, out var v) && v > 0)
                return make(v);
        return double.TryParse(text, inv, out var seconds) && seconds > 0
            ? TimeSpan.FromSeconds(seconds)
            : throw new ArgumentException($"not a duration: {text} (use e.g. 500ms, 30s, 5m)");
    }

    public static async Task<int> Main(string[] args)
    {
        var options = new KubeApiServerOptions();
        var accountKubeconfigs = new List<(string Ns, string Name, string Path)>();
        try
        {
            for (var i = 0; i < args.Length; i++)
            {
                string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
                switch (args[i])
                {
                    case "--port": options.Port = int.Parse(Next()); break;
                    case "--crds": options.CrdPaths.Add(Next()); break;
                    case "--kubeconfig": options.KubeconfigPath = Next(); break;
                    case "--namespace": options.Namespaces.Add(Next()); break;
                    case "--compaction-interval": options.HistoryMaxAge = ParseDuration(Next()); break;
                    case "--data-file": options.DataFile = Next(); break;
                    // A node agent runs the Deployments' pods and reports their status instead.
                    case "--no-builtin-controllers": options.SimulateDeploymentReadiness = false; break;
                    // kubectl sends no bearer token over plain http: its credential-less requests are the admin.
                    case "--rbac": options.EnforceRbac = true; options.AnonymousIsAdmin = true; break;
                    case "--service-account-kubeconfig":
                    {
                        var spec = Next();
                        var eq = spec.IndexOf('=');
                        var slash = spec.IndexOf('/');
                        if (slash <= 0 || eq <= slash + 1 || eq == spec.Length - 1)
                            throw new ArgumentException($"--service-account-kubeconfig wants NS/NAME=PATH, not {spec}");
                        accountKubeconfigs.Add((spec[..slash], spec[(slash + 1)..eq], spec[(eq + 1)..]));
                        break;
                    }
                    case "--history-limit": options.HistoryLimit = int.Parse(Next(), System.Globalization.CultureInfo.InvariantCulture); break;
                    case "-h" or "--help":
                        Console.WriteLine(Usage);
                        return 0;
                    default:
                        Console.Error.WriteLine($"unknown argument: {args[i]}");
                        return 2;
                }
            }
        }
        catch (Exception e) when (e is ArgumentException or FormatException or OverflowException)
        {
            Console.Error.WriteLine(e.Message);
            Console.Error.WriteLine(Usage);
            return 2;
        }
        options.RecordRequests = false;
        await using var server = await KubeApiServer.StartAsync(options);
        Console.WriteLine($"Serving the Kubernetes API stand-in at {server.Url}");
        Console.WriteLine($"Kubeconfig: {server.KubeconfigPath}");
        foreach (var (ns, name, path) in accountKubeconfigs)
            Console.WriteLine($"Kubeconfig for {ns}/{name}: {server.WriteServiceAccountKubeconfig(ns, name, path)}");
        var done = new TaskCompletionSource();
        using var sigint = System.Runtime.InteropServices.PosixSignalRegistration.Create(
            System.Runtime.InteropServices.PosixSignal.SIGINT, c => { c.Cancel = true; done.TrySetResult(); });
        using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(
            System.Runtime.InteropServices.PosixSignal.SIGTERM, c => { c.Cancel = true; done.TrySetResult(); });
        await done.Task;
        return 0;
    }
}
