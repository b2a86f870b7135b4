using System.Diagnostics;
using Nexus.Tests.Support;
using Xunit.Abstractions;

namespace Nexus.Tests.Gateway;

/// <summary>
/// The property-based fuzz test (tests/fuzz/gateway_fuzz.py, Hypothesis) against a real gateway in front of the
/// Kubernetes API stand-in: every endpoint, no 5xx, no hang, every error in the envelope with a documented code, and
/// every accepted job's params accepted by the workers' own models. Bounded: a few hundred requests.
/// </summary>
public class HardeningFuzzTests(GatewayFixture fixture, ITestOutputHelper log) : IClassFixture<GatewayFixture>
{
    private GatewayHarness H => fixture.Harness;

    [Fact]
    public async Task The_fuzzer_finds_no_answer_outside_the_contract()
    {
        var tenant = GatewayFixture.NewTenant();
        var write = await H.CreateKeyAsync(tenant);
        var read = await H.CreateKeyAsync(tenant, "ai-jobs:read");
        var multi = await H.CreateKeyAsync($"{tenant},{GatewayFixture.NewTenant()}");

        var start = new ProcessStartInfo("/usr/bin/python3", [RepoPaths.Of("tests", "fuzz", "gateway_fuzz.py")])
        {
            WorkingDirectory = RepoPaths.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment =
            {
                ["NEXUS_GATEWAY"] = H.Gateway.BaseAddress.ToString().TrimEnd('/'), ["NEXUS_API_KEY"] = write, ["NEXUS_READ_KEY"] = read,
                ["NEXUS_MULTI_KEY"] = multi, ["NEXUS_TENANT"] = tenant, ["PYTHONPATH"] = RepoPaths.Of("workers"),
                ["PYTHONDONTWRITEBYTECODE"] = "1",
            },
        };
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("the fuzzer did not finish within 3 minutes:\n" + await stdout + await stderr);
        }
        var output = await stdout + await stderr;
        log.WriteLine(output);

        Assert.True(process.ExitCode == 0, $"fuzzer failed ({process.ExitCode}):\n{output}");
        foreach (var property in new[] { "near_misses", "dispatch_wellformed", "dispatch", "dispatch_batch", "list_jobs", "get_job", "get_batch", "cancel_job", "any_method_and_caller" })
            Assert.Contains("ok   " + property, output);
        Assert.Matches(@"[1-9]\d* params checked with the workers' models", output);
    }
}
