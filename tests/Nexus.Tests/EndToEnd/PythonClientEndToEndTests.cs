using System.Diagnostics;
using System.Text.RegularExpressions;
using Nexus.Tests.Support;

namespace Nexus.Tests.EndToEnd;

/// <summary>The Python client (clients/python) against `make run`'s platform: its own tests and the README's example.</summary>
[Collection(PlatformCollection.Name)]
public sealed partial class PythonClientEndToEndTests(PlatformStack stack)
{
    [Fact]
    public async Task Client_tests_pass_against_the_running_platform()
    {
        var (exit, output) = await RunPythonAsync("-m", "pytest", "-q", "-p", "no:cacheprovider", "-rs", "clients/python/tests");

        Assert.True(exit == 0, $"client tests failed ({exit}):\n{output}");
        Assert.Matches(PassedLine(), output);
        Assert.DoesNotContain("skipped", output); // every test ran against the stack
    }

    [Fact]
    public async Task Readme_python_example_runs_as_written()
    {
        var readme = File.ReadAllText(RepoPaths.Of("README.md"));
        var block = Regex.Match(readme, "<!-- python-client -->\\s*```python\\n(.*?)```\\s*<!-- /python-client -->", RegexOptions.Singleline);
        Assert.True(block.Success, "README.md has no python-client block");

        var (exit, output) = await RunPythonAsync("-c", block.Groups[1].Value);

        Assert.True(exit == 0, $"README python example failed ({exit}):\n{output}");
        Assert.Matches(new Regex(@"^job_[0-9A-Z]{26} completed \d+ recommendations$", RegexOptions.Multiline), output);
        Assert.Matches(new Regex(@"^listed \d+ completed pricing jobs$", RegexOptions.Multiline), output);
    }

    private async Task<(int Exit, string Output)> RunPythonAsync(params string[] args)
    {
        var start = new ProcessStartInfo("/usr/bin/python3", args)
        {
            WorkingDirectory = RepoPaths.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["NEXUS_GATEWAY"] = stack.Gateway.ToString().TrimEnd('/');
        start.Environment["NEXUS_API_KEY"] = stack.ApiKey;
        start.Environment["NEXUS_TENANT"] = stack.Tenant;
        start.Environment["KUBECONFIG"] = stack.Kubeconfig;
        start.Environment["PYTHONPATH"] = RepoPaths.Of("clients", "python");
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr);
    }

    [GeneratedRegex(@"^\d+ passed", RegexOptions.Multiline)]
    private static partial Regex PassedLine();
}
