using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using Nexus.Tests.Support;

namespace Nexus.Tests.EndToEnd;

/// <summary>
/// The whole platform as `make run` brings it up (scripts/run-local.sh): the Kubernetes API stand-in, real Python
/// workers, the operator and the gateway, as separate processes talking HTTP. Started once for the collection.
/// </summary>
public sealed partial class PlatformStack : IAsyncLifetime
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(4);
    private readonly StringBuilder _output = new();
    private readonly List<IDisposable> _adopted = [];
    private Process? _process;

    public string RunDirectory { get; } = Directory.CreateTempSubdirectory("nexus-e2e-").FullName;
    public Uri Gateway { get; private set; } = null!;
    public string ApiKey { get; private set; } = "";
    public string Tenant { get; private set; } = "";
    public string Kubeconfig { get; private set; } = "";
    /// <summary>Everything the launcher printed up to the ready lines.</summary>
    public string Banner { get; private set; } = "";

    public async Task InitializeAsync()
    {
        var start = new ProcessStartInfo("bash", [RepoPaths.Of("scripts", "run-local.sh")])
        {
            WorkingDirectory = RepoPaths.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["NEXUS_RUN_DIR"] = RunDirectory;
        start.Environment["NEXUS_WORKER_SIMULATION"] = "1";
        start.Environment["CONFIGURATION"] = BuildConfiguration();
        start.Environment.Remove("KUBECONFIG"); // always the stand-in here, never a developer's cluster
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _process = Process.Start(start) ?? throw new InvalidOperationException("could not start run-local.sh");
        _process.OutputDataReceived += (_, e) => OnLine(e.Data, ready);
        _process.ErrorDataReceived += (_, e) => { lock (_output) _output.AppendLine(e.Data); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        var exited = _process.WaitForExitAsync();
        var finished = await Task.WhenAny(ready.Task, exited, Task.Delay(StartTimeout));
        if (finished != ready.Task)
        {
            var why = finished == exited ? $"exited with {_process.ExitCode}" : $"was not ready within {StartTimeout}";
            throw new InvalidOperationException($"the platform {why}:\n{Output}");
        }
    }

    public string Output
    {
        get { lock (_output) return _output.ToString(); }
    }

    private void OnLine(string? line, TaskCompletionSource ready)
    {
        if (line is null) return;
        lock (_output) _output.AppendLine(line);
        if (GatewayLine().Match(line) is { Success: true } g) Gateway = new Uri(g.Groups[1].Value);
        else if (ApiKeyLine().Match(line) is { Success: true } k) ApiKey = k.Groups[1].Value;
        else if (TenantLine().Match(line) is { Success: true } t) Tenant = t.Groups[1].Value;
        else if (KubeconfigLine().Match(line) is { Success: true } c) Kubeconfig = c.Groups[1].Value;
        if (Gateway is not null && ApiKey != "" && Tenant != "" && Kubeconfig != "" && line.StartsWith("Logs are in"))
        {
            Banner = Output;
            ready.TrySetResult();
        }
    }

    /// <summary>Base URL and pid file of the worker serving one job type.</summary>
    public (Uri Url, string PidFile, string Name) Worker(string jobType)
    {
        var name = "workers-" + jobType.Replace('_', '-');
        var port = File.ReadAllText(Path.Combine(RunDirectory, name + ".port")).Trim();
        return (new Uri($"http://127.0.0.1:{port}"), Path.Combine(RunDirectory, name + ".pid"), name);
    }

    /// <summary>Processes a test started in place of the platform's own (a restarted worker): stopped with the platform.</summary>
    public void Adopt(IDisposable process)
    {
        lock (_adopted) _adopted.Add(process);
    }

    public async Task DisposeAsync()
    {
        lock (_adopted)
        {
            foreach (var process in _adopted) process.Dispose();
        }
        if (_process is { HasExited: false })
        {
            Signals.Send(_process.Id, Signals.Sigterm);
            using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try { await _process.WaitForExitAsync(grace.Token); }
            catch (OperationCanceledException) { _process.Kill(entireProcessTree: true); }
        }
        _process?.Dispose();
        try { Directory.Delete(RunDirectory, recursive: true); } catch (IOException) { }
    }

    internal static string BuildConfiguration() =>
        AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}") ? "Release" : "Debug";

    [GeneratedRegex("^Gateway: (http://\\S+)$")] private static partial Regex GatewayLine();
    [GeneratedRegex("^API key: (\\S+)$")] private static partial Regex ApiKeyLine();
    [GeneratedRegex("^Tenant: (\\S+)$")] private static partial Regex TenantLine();
    [GeneratedRegex("^Kubeconfig: (\\S+)$")] private static partial Regex KubeconfigLine();
}

[CollectionDefinition(Name)]
public sealed class PlatformCollection : ICollectionFixture<PlatformStack>
{
    public const string Name = "platform";
}
