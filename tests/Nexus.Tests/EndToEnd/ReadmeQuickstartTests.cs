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
        Assert.Matches(new Regex(@"^Database: postgresql://\S+$", RegexOptions.Multiline), stack.Banner);
        Assert.Contains("curl -s -X POST", stack.Banner);
    }

    [Fact]
    public async Task Quickstart_commands_dispatch_poll_and_list_a_job()
    {
        var output = await RunReadmeBlockAsync("quickstart");

        Assert.Matches(new Regex("\"id\":\"job_[0-9A-Z]{26}\""), output);
        Assert.Contains("\"status\":\"completed\"", output);
        Assert.Contains("\"recommendations\"", output);
        Assert.Matches(new Regex(@"^NAME\s+TYPE\s+TENANT\s+PRIORITY\s+STATUS\s+ATTEMPTS\s+AGE", RegexOptions.Multiline), output);
    }

    [Fact]
    public async Task Api_tour_commands_use_every_endpoint_as_documented()
    {
        var output = await RunReadmeBlockAsync("api-tour");

        Assert.Matches(new Regex(@"^batch batch_[0-9A-Z]{26}$", RegexOptions.Multiline), output);
        Assert.Matches(new Regex("\"batch_id\":\"batch_[0-9A-Z]{26}\""), output);
        Assert.Matches(new Regex("\"type\":\"review_sentiment\",\"status\":\"completed\""), output);
        Assert.Contains("\"pagination\":{", output);
        Assert.Contains("cancel: 409", output);
        var idempotent = IdempotentLine().Matches(output).Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(2, idempotent.Count);
        Assert.Equal(idempotent[0], idempotent[1]);
        Assert.Contains("\"code\":\"INVALID_JOB_TYPE\"", output);
    }

    private async Task<string> RunReadmeBlockAsync(string marker)
    {
        var script = ReadmeBlock(marker);
        Assert.Contains("curl", script);
        var (exit, output, stderr) = await StackCommand.RunAsync(stack, "bash", ["-euo", "pipefail", "-c", script],
            new Dictionary<string, string>
            {
                ["GATEWAY"] = StackCommand.GatewayUrl(stack), ["API_KEY"] = stack.ApiKey, ["TENANT"] = stack.Tenant,
            }, TimeSpan.FromMinutes(3));
        Assert.True(exit == 0, $"README {marker} block failed ({exit}): {stderr}\n{output}");
        return output;
    }

    /// <summary>The shell lines between a block's markers in README.md, minus `make run` and the export line.</summary>
    private static string ReadmeBlock(string marker)
    {
        var readme = File.ReadAllText(RepoPaths.Of("README.md"));
        var block = Regex.Match(readme, $"<!-- {marker} -->(.*?)<!-- /{marker} -->", RegexOptions.Singleline);
        Assert.True(block.Success, $"README.md has no block between <!-- {marker} --> markers");
        var lines = block.Groups[1].Value.Split('\n')
            .Where(l => !l.StartsWith("```") && !l.TrimStart().StartsWith("make run") && !l.TrimStart().StartsWith("export "));
        return string.Join('\n', lines);
    }

    [GeneratedRegex(@"^idempotent: (job_[0-9A-Z]{26})$", RegexOptions.Multiline)]
    private static partial Regex IdempotentLine();
}
