using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using Nexus.Tests.Support;

namespace Nexus.Tests.EndToEnd;

/// <summary>
/// The whole platform as `make run` brings it up (scripts/run-local.sh): the Kubernetes API stand-in, the local node
/// agent running real Python workers, the operator and the gateway as pods of their Deployments, separate processes
/// talking HTTP, and the private PostgreSQL it starts in its run directory. Started once for the collection.
/// </summary>
public sealed partial class PlatformStack : IAsyncLifetime
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(6);
    private readonly StringBuilder _output = new();
    private readonly bool _keepRunDirectory;
    private Process? _process;

    public PlatformStack() : this(Directory.CreateTempSubdirectory("nexus-e2e-").FullName, keepRunDirectory: false) { }

    /// <summary>A stack on a given run directory; with <paramref name="keepRunDirectory"/> its state outlives this
    /// stack, as a developer's `.run/` outlives one make run, for the next one to start from.</summary>
    internal PlatformStack(string runDirectory, bool keepRunDirectory)
    {
        RunDirectory = runDirectory;
        _keepRunDirectory = keepRunDirectory;
    }

    public string RunDirectory { get; }
    public Uri Gateway { get; private set; } = null!;
    public string ApiKey { get; private set; } = "";
    public string Tenant { get; private set; } = "";
    public string Kubeconfig { get; private set; } = "";
    /// <summary>The database URL make run printed (it has no password to leave out: trust on loopback).</summary>
    public string DatabaseUrl { get; private set; } = "";
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
        // Always the stand-in, never a developer's cluster: KUBECONFIG names the file make run writes its own
        // stand-in's kubeconfig to, as in a shell where the README's export line ran before this make run.
        start.Environment["KUBECONFIG"] = Path.Combine(RunDirectory, "kubeconfig");
        start.Environment.Remove("NEXUS_DATABASE_URL");
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
        else if (DatabaseLine().Match(line) is { Success: true } d) DatabaseUrl = d.Groups[1].Value;
        if (Gateway is not null && ApiKey != "" && Tenant != "" && Kubeconfig != "" && DatabaseUrl != "" && line.StartsWith("Logs are in"))
        {
            Banner = Output;
            ready.TrySetResult();
        }
    }

    /// <summary>The WorkerPool (and its Deployment and Service) serving one job type.</summary>
    public static string PoolName(string jobType) => "workers-" + jobType.Replace('_', '-');

    /// <summary>Base URL of a ready worker of the job type's pool, as the pool's status lists it.</summary>
    public async Task<Uri> WorkerUrlAsync(string jobType)
    {
        using var kubectl = new Kubectl(Kubeconfig);
        var url = await Wait.ForAsync(async () =>
        {
            var (code, stdout, _) = await kubectl.RunAsync(null, "get", "workerpool", PoolName(jobType),
                "-o", "jsonpath={.status.instances[?(@.ready==true)].url}");
            return code == 0 && stdout.Split(' ', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() is { } first ? first : null;
        }, $"a ready worker of {jobType}", TimeSpan.FromSeconds(60));
        return new Uri(url);
    }
    /// <summary>Stops make run with a signal (SIGINT is Ctrl-C) and returns its exit code; kills it after a grace period.</summary>
    public async Task<int?> StopAsync(int signal)
    {
        if (_process is null) return null;
        if (!_process.HasExited)
        {
            Signals.Send(_process.Id, signal);
            using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try { await _process.WaitForExitAsync(grace.Token); }
            catch (OperationCanceledException) { _process.Kill(entireProcessTree: true); await _process.WaitForExitAsync(); return null; }
        }
        return _process.ExitCode;
    }

    public async Task DisposeAsync()
    {
        await StopAsync(Signals.Sigterm);
        _process?.Dispose();
        if (_keepRunDirectory) return;
        await RemoveRunDirectoryAsync(RunDirectory);
    }

    /// <summary>Deletes a run directory. make run stops its PostgreSQL on exit; after a kill it may not have: it is
    /// stopped (idempotent) before the directory goes, so no server outlives the tests.</summary>
    public static async Task RemoveRunDirectoryAsync(string runDirectory)
    {
        var postgres = Path.Combine(runDirectory, "postgres");
        if (Directory.Exists(postgres))
        {
            using var stop = Process.Start(new ProcessStartInfo("bash", [RepoPaths.Of("scripts", "postgres.sh"), "stop", postgres]) { RedirectStandardOutput = true, RedirectStandardError = true });
            if (stop is not null) await stop.WaitForExitAsync();
        }
        try { Directory.Delete(runDirectory, recursive: true); } catch (IOException) { }
    }

    internal static string BuildConfiguration() =>
        AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}") ? "Release" : "Debug";

    [GeneratedRegex("^Gateway: (http://\\S+)$")] private static partial Regex GatewayLine();
    [GeneratedRegex("^API key: (\\S+)$")] private static partial Regex ApiKeyLine();
    [GeneratedRegex("^Tenant: (\\S+)$")] private static partial Regex TenantLine();
    [GeneratedRegex("^Kubeconfig: (\\S+)$")] private static partial Regex KubeconfigLine();
    [GeneratedRegex("^Database: (\\S+)$")] private static partial Regex DatabaseLine();
}

[CollectionDefinition(Name)]
public sealed class PlatformCollection : ICollectionFixture<PlatformStack>
{
    public const string Name = "platform";
}
