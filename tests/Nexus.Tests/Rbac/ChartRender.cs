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

    /// <summary>The YAML documents of the given kinds, in rendered order.</summary>
    public static string Documents(string rendered, params string[] kinds) =>
        string.Join("---\n", rendered.Split("\n---", StringSplitOptions.RemoveEmptyEntries)
            .Where(d => kinds.Any(k => d.Contains($"\nkind: {k}\n", StringComparison.Ordinal) || d.StartsWith($"kind: {k}\n", StringComparison.Ordinal)))
            .Select(d => d.TrimStart('-', '\n') + "\n"));

    private static async Task<string> BinaryAsync()
    {
        await Gate.WaitAsync();
        try
        {
            if (_binary is not null) return _binary;
            var output = Path.Combine(Path.GetTempPath(), $"nexus-chart-render-{Environment.ProcessId}");
            var env = new Dictionary<string, string> { ["GO111MODULE"] = "off", ["GOPATH"] = "/usr/share/gocode", ["GOFLAGS"] = "", ["GOPROXY"] = "off" };
            var (code, _, errors) = await RunAsync("go", Support.RepoPaths.Of("charts", "render"), env, "build", "-o", output, ".");
            if (code != 0) throw new InvalidOperationException($"building charts/render failed ({code}): {errors}");
            return _binary = output;
        }
        finally
        {
            Gate.Release();
        }
    }

    private static Task<(int, string, string)> RunAsync(string file, string cwd, params string[] args) =>
        RunAsync(file, cwd, new Dictionary<string, string>(), args);

    private static async Task<(int, string, string)> RunAsync(string file, string cwd, Dictionary<string, string> env, params string[] args)
    {
        var info = new ProcessStartInfo(file) { WorkingDirectory = cwd, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) info.ArgumentList.Add(a);
        foreach (var (k, v) in env) info.Environment[k] = v;
        using var process = Process.Start(info)!;
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
