using System.Diagnostics;
using System.Globalization;
using Nexus.Tests.Support;

namespace Nexus.Tests.EndToEnd;

/// <summary>
/// Every metric the shipped alert rules and dashboard read is exposed by the real operator, gateway and workers:
/// the chart's own check (charts/render, TestAlertMetricsAreExposedByTheRunningServices) run against this stack.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class AlertMetricsEndToEndTests(PlatformStack stack)
{
    /// <summary>Also: docs/metrics.md lists exactly what each service exposes, with its type and label names.</summary>
    [Fact]
    public async Task Alert_rules_use_only_metrics_the_running_services_expose()
    {
        Assert.True(FindOnPath("go") is not null, "go is not installed: run scripts/install-deps.sh (make test does)");
        using var api = new JobsApi(stack.Gateway, stack.ApiKey, stack.Tenant);
        // Histograms and per-outcome series appear once a job has run.
        await api.WaitTerminalAsync(await api.DispatchOkAsync(new { type = "pricing_recalculate", @params = new { skus = new[] { "SKU-020" }, marketplace = "amazon_us" } }));
        var operatorUrl = File.ReadAllText(Path.Combine(stack.RunDirectory, "operator.url")).Trim();
        var urls = string.Join(',', $"operator={operatorUrl}/metrics", $"gateway={stack.Gateway.ToString().TrimEnd('/')}/metrics",
            $"worker={(await stack.WorkerUrlAsync("pricing_recalculate")).ToString().TrimEnd('/')}/metrics");

        var start = new ProcessStartInfo("bash", [RepoPaths.Of("charts", "test.sh"), "-run",
            "TestAlertMetricsAreExposedByTheRunningServices|TestDocumentedMetricsAreWhatTheServicesExpose"])
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
        Assert.Contains("--- PASS: TestDocumentedMetricsAreWhatTheServicesExpose", output);
    }

    /// <summary>
    /// The series exist from the first scrape (published at zero), so their presence proves nothing about counting:
    /// one job's life must move each counter the alerts read by exactly one, in the gateway, the operator and the
    /// worker that ran it. Tests of this collection run one at a time, so no other job moves them meanwhile.
    /// </summary>
    [Fact]
    public async Task One_job_moves_each_counter_of_its_life_by_one()
    {
        using var api = new JobsApi(stack.Gateway, stack.ApiKey, stack.Tenant);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var operatorMetrics = File.ReadAllText(Path.Combine(stack.RunDirectory, "operator.url")).Trim() + "/metrics";
        var gatewayMetrics = stack.Gateway.ToString().TrimEnd('/') + "/metrics";
        await stack.WorkerUrlAsync("pricing_recalculate"); // waits for a ready one
        using var kubectl = new Kubectl(stack.Kubeconfig);
        // Every ready instance of the pool: the job may run on any of them.
        var workers = (await kubectl.OkAsync(null, "get", "workerpool", PlatformStack.PoolName("pricing_recalculate"),
            "-o", "jsonpath={.status.instances[?(@.ready==true)].url}")).Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(u => u.TrimEnd('/') + "/metrics").ToArray();
        const string type = "type=\"pricing_recalculate\"";
        (string Url, string Name, string[] Labels)[] series =
        [
            (gatewayMetrics, "nexus_gateway_jobs_dispatched_total", [type, "priority=\"low\""]),
            (operatorMetrics, "nexus_aijob_finished_total", [type, "outcome=\"completed\""]),
            (operatorMetrics, "nexus_aijob_queue_wait_seconds_count", []),
            (operatorMetrics, "nexus_aijob_run_duration_seconds_count", []),
            ("workers", "nexus_worker_jobs_accepted_total", [type]),
            ("workers", "nexus_worker_jobs_total", [type, "outcome=\"completed\""]),
            ("workers", "nexus_worker_job_duration_seconds_count", [type, "outcome=\"completed\""]),
        ];
        async Task<double[]> ReadAsync()
        {
            var pages = new Dictionary<string, string>();
            pages[gatewayMetrics] = await http.GetStringAsync(gatewayMetrics);
            pages[operatorMetrics] = await http.GetStringAsync(operatorMetrics);
            var pool = new List<string>();
            foreach (var url in workers) pool.Add(await http.GetStringAsync(url));
            pages["workers"] = string.Join('\n', pool);
            return series.Select(s => Sum(pages[s.Url], s.Name, s.Labels)).ToArray();
        }

        var before = await ReadAsync();
        var done = await api.WaitTerminalAsync(await api.DispatchOkAsync(new
        {
            type = "pricing_recalculate", priority = "low", @params = new { skus = new[] { "SKU-021" }, marketplace = "amazon_us" },
        }));
        Assert.Equal("completed", done["status"]!.GetValue<string>());
        // The operator counts the finish when it writes it; the gateway may show it a moment earlier.
        var after = await Wait.ForAsync(async () =>
        {
            var now = await ReadAsync();
            return now.Zip(before).All(p => p.First > p.Second) ? now : null;
        }, "every counter of the job's life to move");
        for (var i = 0; i < series.Length; i++)
            Assert.True(after[i] == before[i] + 1, $"{series[i].Name}{{{string.Join(',', series[i].Labels)}}} went {before[i]} -> {after[i]}, expected +1");
    }

    /// <summary>The sum of a metric's samples whose labels include all the given ones (0 when none is exposed).</summary>
    private static double Sum(string exposition, string name, string[] labels) => exposition.Split('\n')
        .Where(l => (l.StartsWith(name + "{", StringComparison.Ordinal) || l.StartsWith(name + " ", StringComparison.Ordinal))
                    && labels.All(l.Contains))
        .Sum(l => double.Parse(l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture));

    private static string? FindOnPath(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':')
            .Select(dir => Path.Combine(dir, tool))
            .FirstOrDefault(File.Exists);
}
