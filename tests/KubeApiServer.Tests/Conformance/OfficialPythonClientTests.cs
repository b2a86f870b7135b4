using System.Diagnostics;
using Nexus.KubeApiServer.Tests.Support;

namespace Nexus.KubeApiServer.Tests.Conformance;

/// <summary>
/// A second, independent client: the official Kubernetes Python client (Debian's python3-kubernetes) lists,
/// watches (it sends watch=True), patches, writes status and deletes (Python/official_client_check.py).
/// </summary>
public class OfficialPythonClientTests
{
    static readonly string Script = Path.Combine(RepoRoot.Path, "tests", "KubeApiServer.Tests", "Python", "official_client_check.py");

    [Theory, StandIn, RealCluster]
    public async Task The_official_python_client_lists_watches_patches_and_deletes(string target)
    {
        var t = await ClusterTarget.GetAsync(target);
        var kubeconfig = t.KubeconfigPath;
        var ns = await t.NewNamespaceAsync();

        var psi = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { Script, kubeconfig, ns }) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await p.WaitForExitAsync(deadline.Token);
        var output = await stdout + await stderr;
        Assert.True(p.ExitCode == 0, output);
        Assert.Contains("ok: watch from the list's resourceVersion", output);
        Assert.Contains("ok: typed delete", output);
    }
}
