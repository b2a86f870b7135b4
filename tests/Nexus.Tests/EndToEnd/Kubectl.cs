using System.Diagnostics;

namespace Nexus.Tests.EndToEnd;

/// <summary>Runs the real kubectl against the platform's Kubernetes API, with a cache of its own.</summary>
public sealed class Kubectl(string kubeconfig) : IDisposable
{
    private readonly string _cacheDir = Directory.CreateTempSubdirectory("kubectl-cache-").FullName;

    public async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string? stdin, params string[] args)
    {
        var start = new ProcessStartInfo("kubectl")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = stdin is not null,
        };
        foreach (var arg in (string[])["--kubeconfig", kubeconfig, "--cache-dir", _cacheDir, .. args]) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
            process.StandardInput.Close();
        }
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout, await stderr);
    }

    public async Task<string> OkAsync(string? stdin, params string[] args)
    {
        var (code, stdout, stderr) = await RunAsync(stdin, args);
        Assert.True(code == 0, $"kubectl {string.Join(' ', args)} exited {code}: {stderr}");
        return stdout;
    }

    public void Dispose()
    {
        try { Directory.Delete(_cacheDir, recursive: true); } catch (IOException) { }
    }
}
