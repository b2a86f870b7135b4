using System.Diagnostics;
using Nexus.Tests.Support;

namespace Nexus.Tests.EndToEnd;

/// <summary>
/// `make run` (scripts/run-local.sh) refusing what it cannot run against, and cleaning up when it fails: each runs
/// the real script in a run directory of its own and stops before (or right after) the first process starts.
/// </summary>
public sealed class MakeRunStartTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);
    private readonly string _runDir = Directory.CreateTempSubdirectory("nexus-run-start-").FullName;

    [Fact]
    public async Task Kubeconfig_naming_an_api_that_does_not_answer_is_refused_with_the_reason_before_anything_starts()
    {
        var kubeconfig = WriteKubeconfig("http://127.0.0.1:1");
        var (exit, output) = await RunAsync(new() { ["KUBECONFIG"] = kubeconfig });

        Assert.True(exit == 2, $"exit {exit}:\n{output}");
        Assert.Contains("KUBECONFIG names a Kubernetes API that does not answer", output);
        Assert.Contains("server http://127.0.0.1:1", output);
        Assert.Contains("unset KUBECONFIG", output);
        AssertNothingStarted();
    }

    [Fact]
    public async Task Kubeconfig_naming_a_missing_file_is_refused()
    {
        var (exit, output) = await RunAsync(new() { ["KUBECONFIG"] = Path.Combine(_runDir, "elsewhere", "config") });

        Assert.True(exit == 2, $"exit {exit}:\n{output}");
        Assert.Contains("which does not exist", output);
        AssertNothingStarted();
    }

    [Fact]
    public async Task Kubeconfig_naming_a_running_cluster_is_refused_with_the_reason()
    {
        // The stand-in plays the developer's cluster: an API that answers and is not the one make run starts.
        await using var cluster = await Nexus.KubeApiServer.KubeApiServer.StartAsync();
        var (exit, output) = await RunAsync(new() { ["KUBECONFIG"] = cluster.KubeconfigPath });

        Assert.True(exit == 2, $"exit {exit}:\n{output}");
        Assert.Contains("KUBECONFIG names a running cluster", output);
        Assert.Contains($"server {cluster.Url}", output);
        Assert.Contains("would start the same pods from images that do not exist", output);
        Assert.Contains("install the Helm chart", output);
        AssertNothingStarted();
        // Nothing was written to the cluster either.
        using var kubectl = new Kubectl(cluster.KubeconfigPath);
        Assert.Equal("", (await kubectl.OkAsync(null, "get", "deployments,secrets", "-o", "name")).Trim());
    }

    [Theory]
    [InlineData("1")]
    [InlineData("0")]
    public async Task PostgreSQL_is_stopped_and_a_throwaway_one_removed_when_make_run_fails_after_starting_it(string persist)
    {
        // A build configuration that does not exist: PostgreSQL starts, the stand-in cannot, make run fails.
        var tmp = Directory.CreateTempSubdirectory("nexus-run-tmp-").FullName;
        try
        {
            var (exit, output) = await RunAsync(new() { ["CONFIGURATION"] = "NoSuchConfiguration", ["NEXUS_PERSIST"] = persist, ["TMPDIR"] = tmp });

            Assert.True(exit == 1, $"exit {exit}:\n{output}");
            Assert.Contains("the Kubernetes API stand-in exited before it was ready", output);
            var launcher = File.ReadAllText(Path.Combine(_runDir, "launcher.log"));
            Assert.Contains("database", launcher);
            if (persist == "1")
            {
                // The durable cluster stays in the run directory for the next make run, stopped.
                var data = Path.Combine(_runDir, "postgres", "data");
                Assert.True(File.Exists(Path.Combine(data, "PG_VERSION")), "no cluster was created in the run directory");
                Assert.False(File.Exists(Path.Combine(data, "postmaster.pid")), "PostgreSQL is still running after make run exited");
                Assert.NotEqual(0, await ScriptAsync("scripts/postgres.sh", "status", Path.Combine(_runDir, "postgres")));
            }
            else
            {
                Assert.False(Directory.Exists(Path.Combine(_runDir, "postgres")), "NEXUS_PERSIST=0 created a cluster in the run directory");
                Assert.Empty(Directory.EnumerateFileSystemEntries(tmp)); // the throw-away cluster is gone with its directory
            }
        }
        finally
        {
            Directory.Delete(tmp, recursive: true);
        }
    }

    [Fact]
    public async Task The_database_is_kept_with_its_port_across_runs_and_wiped_by_a_clean_start()
    {
        // Each run fails right after starting PostgreSQL (no such build configuration for the stand-in).
        var failing = new Dictionary<string, string> { ["CONFIGURATION"] = "NoSuchConfiguration" };
        var dir = Path.Combine(_runDir, "postgres");
        var marker = Path.Combine(dir, "data", "kept-by-the-test");

        var (exit, output) = await RunAsync(failing);
        Assert.True(exit == 1 && File.Exists(Path.Combine(dir, "data", "PG_VERSION")), $"exit {exit}:\n{output}");
        var port = File.ReadAllText(Path.Combine(dir, "port")).Trim();
        File.WriteAllText(marker, "x");

        (exit, output) = await RunAsync(failing);
        Assert.True(exit == 1, $"exit {exit}:\n{output}");
        Assert.True(File.Exists(marker), "a second make run re-created the database");
        Assert.Equal(port, File.ReadAllText(Path.Combine(dir, "port")).Trim());

        (exit, output) = await RunAsync(new(failing) { ["NEXUS_CLEAN_START"] = "1" });
        Assert.True(exit == 1 && File.Exists(Path.Combine(dir, "data", "PG_VERSION")), $"exit {exit}:\n{output}");
        Assert.False(File.Exists(marker), "NEXUS_CLEAN_START=1 kept the database");
        Assert.False(File.Exists(Path.Combine(dir, "data", "postmaster.pid")), "PostgreSQL is still running after make run exited");
    }

    private void AssertNothingStarted()
    {
        Assert.False(Directory.Exists(Path.Combine(_runDir, "postgres")), "PostgreSQL was started");
        Assert.False(File.Exists(Path.Combine(_runDir, "apiserver.log")), "the stand-in was started");
    }

    private string WriteKubeconfig(string server)
    {
        var path = Path.Combine(_runDir, "other.kubeconfig");
        File.WriteAllText(path, $"""
            apiVersion: v1
            kind: Config
            clusters:
              - name: dev
                cluster:
                  server: "{server}"
            users:
              - name: dev
                user:
                  token: x
            contexts:
              - name: dev
                context:
                  cluster: dev
                  user: dev
            current-context: dev
            """);
        return path;
    }

    private async Task<(int Exit, string Output)> RunAsync(Dictionary<string, string> environment)
    {
        var start = new ProcessStartInfo("bash", [RepoPaths.Of("scripts", "run-local.sh")])
        {
            WorkingDirectory = RepoPaths.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["NEXUS_RUN_DIR"] = _runDir;
        start.Environment["CONFIGURATION"] = PlatformStack.BuildConfiguration();
        start.Environment.Remove("KUBECONFIG");
        start.Environment.Remove("NEXUS_DATABASE_URL");
        foreach (var (name, value) in environment) start.Environment[name] = value;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(Timeout);
        try { await process.WaitForExitAsync(deadline.Token); }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"run-local.sh did not exit within {Timeout}:\n{await stdout}{await stderr}");
        }
        return (process.ExitCode, await stdout + await stderr);
    }

    private static async Task<int> ScriptAsync(string script, params string[] args)
    {
        var info = new ProcessStartInfo("bash") { WorkingDirectory = RepoPaths.Root, RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(script);
        foreach (var a in args) info.ArgumentList.Add(a);
        using var process = Process.Start(info)!;
        await process.StandardOutput.ReadToEndAsync();
        await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return process.ExitCode;
    }

    public void Dispose()
    {
        // A failed assertion may leave the cluster running: stop it (idempotent) before removing its directory.
        var pg = Path.Combine(_runDir, "postgres");
        if (Directory.Exists(pg)) ScriptAsync("scripts/postgres.sh", "stop", pg).GetAwaiter().GetResult();
        try { Directory.Delete(_runDir, recursive: true); } catch (IOException) { }
    }
}
