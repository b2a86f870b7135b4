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
        var (exit, stdout, stderr) = await StackCommand.RunAsync(stack, "/usr/bin/python3", args, new Dictionary<string, string>
        {
            ["NEXUS_GATEWAY"] = StackCommand.GatewayUrl(stack), ["NEXUS_API_KEY"] = stack.ApiKey, ["NEXUS_TENANT"] = stack.Tenant,
            ["PYTHONPATH"] = RepoPaths.Of("clients", "python"),
        }, TimeSpan.FromMinutes(4));
        return (exit, stdout + stderr);
    }

    [GeneratedRegex(@"^\d+ passed", RegexOptions.Multiline)]
    private static partial Regex PassedLine();
}
