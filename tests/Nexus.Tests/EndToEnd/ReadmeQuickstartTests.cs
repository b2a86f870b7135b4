using System.Diagnostics;
using System.Text.RegularExpressions;
using Nexus.Tests.Support;

namespace Nexus.Tests.EndToEnd;

/// <summary>The README's quickstart is executable truth: its commands run against `make run`'s platform.</summary>
[Collection(PlatformCollection.Name)]
public sealed partial class ReadmeQuickstartTests(PlatformStack stack)
{
    [Fact]
    public void Make_run_prints_the_documented_ready_lines()
    {
        Assert.Matches(new Regex(@"^Gateway: http://127\.0\.0\.1:\d+$", RegexOptions.Multiline), stack.Banner);
        Assert.Matches(new Regex(@"^API key: \S+$", RegexOptions.Multiline), stack.Banner);
        Assert.Matches(new Regex(@"^Tenant: demo$", RegexOptions.Multiline), stack.Banner);
        Assert.Matches(new Regex(@"^Kubeconfig: /\S+$", RegexOptions.Multiline), stack.Banner);
        Assert.Contains("curl -s -X POST", stack.Banner);
    }

    [Fact]
    public async Task Quickstart_commands_dispatch_poll_and_list_a_job()
    {
        var script = QuickstartBlock();
        Assert.Contains("curl", script);

        var start = new ProcessStartInfo("bash", ["-euo", "pipefail", "-c", script])
        {
            WorkingDirectory = RepoPaths.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["GATEWAY"] = stack.Gateway.ToString().TrimEnd('/');
        start.Environment["API_KEY"] = stack.ApiKey;
        start.Environment["TENANT"] = stack.Tenant;
        start.Environment["KUBECONFIG"] = stack.Kubeconfig;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(timeout.Token);

        var output = await stdout;
        Assert.True(process.ExitCode == 0, $"quickstart failed ({process.ExitCode}): {await stderr}\n{output}");
        Assert.Matches(new Regex("\"id\":\"job_[0-9A-Z]{26}\""), output);
        Assert.Contains("\"status\":\"completed\"", output);
        Assert.Contains("\"recommendations\"", output);
        Assert.Matches(new Regex(@"^NAME\s+TYPE\s+TENANT\s+PRIORITY\s+STATUS\s+ATTEMPTS\s+AGE", RegexOptions.Multiline), output);
    }

    /// <summary>The shell lines between the quickstart markers in README.md, minus `make run` and the export line.</summary>
    private static string QuickstartBlock()
    {
        var readme = File.ReadAllText(RepoPaths.Of("README.md"));
        var block = QuickstartMarkers().Match(readme);
        Assert.True(block.Success, "README.md has no quickstart block between <!-- quickstart --> markers");
        var lines = block.Groups[1].Value.Split('\n')
            .Where(l => !l.StartsWith("```") && !l.TrimStart().StartsWith("make run") && !l.TrimStart().StartsWith("export "));
        return string.Join('\n', lines);
    }

    [GeneratedRegex("<!-- quickstart -->(.*?)<!-- /quickstart -->", RegexOptions.Singleline)]
    private static partial Regex QuickstartMarkers();
}
