using System.Diagnostics;

namespace Nexus.KubeApiServer.Tests.Kubectl;

/// <summary>Runs the real kubectl against a stand-in with its own kubeconfig and a fresh discovery cache.</summary>
public sealed class KubectlRunner(string kubeconfig) : IDisposable
{
    readonly string _cacheDir = Directory.CreateTempSubdirectory("kubectl-cache-").FullName;

    public static bool Available => File.Exists("/usr/bin/kubectl");

    ProcessStartInfo Start(params string[] args)
    {
        var psi = new ProcessStartInfo("kubectl")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { "--kubeconfig", kubeconfig, "--cache-dir", _cacheDir }.Concat(args)) psi.ArgumentList.Add(a);
        return psi;
    }

    public async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        using var p = Process.Start(Start(args))!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await p.WaitForExitAsync(cts.Token);
        return (p.ExitCode, await stdout, await stderr);
    }

    /// <summary>Starts a long-running kubectl (get -w); lines of stdout arrive on the returned channel.</summary>
    public (Process Process, System.Threading.Channels.Channel<string> Lines) StartStreaming(params string[] args)
    {
        var lines = System.Threading.Channels.Channel.CreateUnbounded<string>();
        var p = Process.Start(Start(args))!;
        _ = Task.Run(async () =>
        {
            while (await p.StandardOutput.ReadLineAsync() is { } line) lines.Writer.TryWrite(line);
            lines.Writer.TryComplete();
        });
        return (p, lines);
    }

    public void Dispose()
    {
        try { Directory.Delete(_cacheDir, recursive: true); } catch (IOException) { }
    }
}
