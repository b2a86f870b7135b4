using System.Diagnostics;
using System.Text.Json;
using Nexus.Gateway.Validation;
using Nexus.Tests.Support;

namespace Nexus.Tests.Gateway;

/// <summary>
/// The gateway refuses params the workers would refuse and accepts every param they take: its per-type rules are
/// checked against the workers' own params models (read from the Python code, not from a copy).
/// </summary>
public sealed class ParamsContractTests
{
    private const string DumpWorkerParams = """
        import json
        from nexus_worker.jobs import JOB_TYPES
        print(json.dumps({name: jt.params.schema()["properties"] for name, jt in JOB_TYPES.items()}))
        """;

    [Fact]
    public async Task Gateway_params_match_the_workers_params_for_every_job_type()
    {
        var worker = await WorkerParamsAsync();

        Assert.Equal(worker.Keys.Order(), JobParamSchemas.ByType.Keys.Order());
        foreach (var (type, rules) in JobParamSchemas.ByType)
        {
            var workerFields = worker[type];
            Assert.True(rules.Select(r => r.Name).Order().SequenceEqual(workerFields.Keys.Order()),
                $"{type}: gateway [{string.Join(", ", rules.Select(r => r.Name).Order())}] vs workers [{string.Join(", ", workerFields.Keys.Order())}]");
            foreach (var rule in rules.OfType<IntRule>())
            {
                var field = workerFields[rule.Name];
                Assert.True(field.GetProperty("minimum").GetInt32() == rule.Min && field.GetProperty("maximum").GetInt32() == rule.Max,
                    $"{type}.{rule.Name}: gateway {rule.Min}..{rule.Max} vs workers {field}");
            }
        }
    }

    private static async Task<Dictionary<string, Dictionary<string, JsonElement>>> WorkerParamsAsync()
    {
        var start = new ProcessStartInfo("/usr/bin/python3", ["-c", DumpWorkerParams])
        {
            WorkingDirectory = RepoPaths.Of("workers"),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, await stderr);
        return JsonSerializer.Deserialize<Dictionary<string, Dictionary<string, JsonElement>>>(await stdout)!;
    }
}
