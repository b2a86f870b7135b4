using System.Diagnostics;
using Nexus.Tests.Support;

namespace Nexus.Tests.EndToEnd;

/// <summary>
/// Every metric the shipped alert rules and dashboard read is exposed by the real operator, gateway and workers:
/// the chart's own check (charts/render, TestAlertMetricsAreExposedByTheRunningServices) run against this stack.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class AlertMetricsEndToEndTests(PlatformStack stack)
{
    [Fact]
    public async Task Alert_rules_use_only_metrics_the_running_services_expose()
    {
        Assert.True(FindOnPath("go") is not null, "go is not installed: run scripts/install-deps.sh (make test does)");
        using var api = new JobsApi(stack.Gateway, stack.ApiKey, stack.Tenant);
        // Histograms and per-outcome series appear once a job has run.
        await api.WaitTerminalAsync(await api.DispatchOkAsync(new { type = "pricing_recalculate", @params = new { skus = new[] { "SKU-020" }, marketplace = "amazon_us" } }));
        var operatorUrl = File.ReadAllText(Path.Combine(stack.RunDirectory, "operator.url")).Trim();
        var urls = string.Join(',', $"{operatorUrl}/metrics", $"{stack.Gateway.ToString().TrimEnd('/')}/metrics",
            $"{(await stack.WorkerUrlAsync("pricing_recalculate")).ToString().TrimEnd('/')}/metrics");

        var start = new ProcessStartInfo("bash", [RepoPaths.Of("charts", "test.sh"), "-run", "TestAlertMetricsAreExposedByTheRunningServices"])
        {
            WorkingDirectory = RepoPaths.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["NEXUS_METRICS_URLS"] = urls;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await process.WaitForExitAsync(timeout.Token);

        var output = await stdout + await stderr;
        Assert.True(process.ExitCode == 0, output);
        Assert.Contains("--- PASS: TestAlertMetricsAreExposedByTheRunningServices", output);
    }

    private static string? FindOnPath(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':')
            .Select(dir => Path.Combine(dir, tool))
            .FirstOrDefault(File.Exists);
}
