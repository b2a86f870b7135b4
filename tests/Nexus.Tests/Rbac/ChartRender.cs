using System.Diagnostics;

namespace Nexus.Tests.Rbac;

/// <summary>
/// The chart rendered the way <c>make chart-template</c> renders it (charts/render: Go's text/template and Sprig,
/// Helm's engines), built once per test run into a temporary directory.
/// </summary>
public static class ChartRender
{
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static string? _binary;

    /// <param name="sets">Values set as <c>--set</c> does (the chart renders nothing without a database).</param>
    public static async Task<string> RenderAsync(string release, string ns, params string[] sets)
    {
        var binary = await BinaryAsync();
        string[] args = [Support.RepoPaths.Of("charts", "nexus-ai-jobs"), "--name", release, "--namespace", ns, .. sets.SelectMany(s => new[] { "--set", s })];
        var (code, output, errors) = await RunAsync(binary, Support.RepoPaths.Root, args);
        if (code != 0) throw new InvalidOperationException($"rendering the chart failed ({code}): {errors}");
        return output;
    }

    /// <summary>
    /// The chart's identities as make run takes them (scripts/chart_rbac.py on the rendered chart): its RBAC objects,
    /// the operator's and the gateway's ServiceAccounts and the operator's Lease name.
    /// </summary>
    public static async Task<(string Yaml, string OperatorAccount, string GatewayAccount, string LeaseName)> IdentitiesAsync(string release, string ns, params string[] sets)
    {
        var rendered = await RenderAsync(release, ns, sets);
        var output = Path.Combine(Path.GetTempPath(), $"nexus-chart-rbac-{Guid.NewGuid():N}.yaml");
        try
        {
            var (code, names, errors) = await RunAsync("/usr/bin/python3", Support.RepoPaths.Root, new Dictionary<string, string>(), rendered,
                Support.RepoPaths.Of("scripts", "chart_rbac.py"), output);
            if (code != 0) throw new InvalidOperationException($"scripts/chart_rbac.py failed ({code}): {errors}");
            var parts = names.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (parts.Length != 3) throw new InvalidOperationException($"scripts/chart_rbac.py printed '{names}', not three names");
            return (await File.ReadAllTextAsync(output), parts[0], parts[1], parts[2]);
        }
        finally
        {
            File.Delete(output);
        }
    }

    private static async Task<string> BinaryAsync()
    {
        await Gate.WaitAsync();
        try
        {
            if (_binary is not null) return _binary;
            var output = Path.Combine(Path.GetTempPath(), $"nexus-chart-render-{Environment.ProcessId}");
            var env = new Dictionary<string, string> { ["GO111MODULE"] = "off", ["GOPATH"] = "/usr/share/gocode", ["GOFLAGS"] = "", ["GOPROXY"] = "off" };
            var (code, _, errors) = await RunAsync("go", Support.RepoPaths.Of("charts", "render"), env, null, "build", "-o", output, ".");
            if (code != 0) throw new InvalidOperationException($"building charts/render failed ({code}): {errors}");
            return _binary = output;
        }
        finally
        {
            Gate.Release();
        }
    }

    private static Task<(int, string, string)> RunAsync(string file, string cwd, params string[] args) =>
        RunAsync(file, cwd, new Dictionary<string, string>(), null, args);

    private static async Task<(int, string, string)> RunAsync(string file, string cwd, Dictionary<string, string> env, string? stdin, params string[] args)
    {
        var info = new ProcessStartInfo(file)
        {
            WorkingDirectory = cwd, RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = stdin is not null,
        };
        foreach (var a in args) info.ArgumentList.Add(a);
        foreach (var (k, v) in env) info.Environment[k] = v;
        using var process = Process.Start(info)!;
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
            process.StandardInput.Close();
        }
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish within 4 minutes");
        }
        return (process.ExitCode, await stdout, await stderr);
    }
}
