using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Nexus.Operator;

namespace Nexus.Tests.Operator;

/// <summary>Settings bound by the configuration system and validated at start, in-process and through the real binary.</summary>
public sealed class OperatorSettingsTests
{
    private const string Db = "--database-url=postgresql://nexus@127.0.0.1:5432/nexus";

    [Fact]
    public void Arguments_bind_to_the_keys_of_the_environment_variables_with_code_defaults_elsewhere()
    {
        var o = OperatorSettings.Load([Db, "--LEASE_NAME=lead", "--lost-after-failed-polls=7", "--log-level=Warning", "--retry-max-seconds=0.5", "--retry-base-seconds=0.25"]);
        Assert.Equal("lead", o.LeaseName);
        Assert.Equal(7, o.LostAfterFailedPolls);
        Assert.Equal(LogLevel.Warning, o.LogLevel);
        Assert.Equal(TimeSpan.FromMilliseconds(250), o.RetryBaseDelay);
        Assert.Equal(TimeSpan.FromMilliseconds(500), o.RetryMaxDelay);
        Assert.Equal(new OperatorOptions().WatchStallTimeout, o.WatchStallTimeout);
        Assert.Equal("postgresql://nexus@127.0.0.1:5432/nexus", o.DatabaseUrl);
        Assert.Equal(TimeSpan.FromMinutes(15), o.RetentionAfterFinish);
        Assert.Equal(16 * 1024, o.ResultInlineMaxBytes);
        Assert.Equal(32L * 1024 * 1024, o.ResultMaxBytes);
        Assert.Equal(o.ResultMaxBytes, o.ForHistory().MaxResultBytes);
    }

    [Fact]
    public void The_history_database_is_required_and_a_malformed_one_is_named_without_its_value()
    {
        var missing = Assert.Throws<OptionsValidationException>(() => OperatorSettings.Load([]));
        Assert.Contains(missing.Failures, f => f.StartsWith("NEXUS_DATABASE_URL=: is required", StringComparison.Ordinal));
        var bad = Assert.Throws<OptionsValidationException>(() => OperatorSettings.Load(["--database-url=postgresql://u:secret@/"]));
        var failure = Assert.Single(bad.Failures);
        Assert.StartsWith("NEXUS_DATABASE_URL=(value not shown", failure);
        Assert.DoesNotContain("secret", failure);
    }

    [Fact]
    public void Every_bad_setting_is_named_with_its_value_and_rule()
    {
        var e = Assert.Throws<OptionsValidationException>(() => OperatorSettings.Load(
            [Db, "--lease-duration-seconds=5", "--lease-renew-deadline-seconds=6", "--reconcile-concurrency=0", "--operator-url=localhost"]));
        Assert.Contains(e.Failures, f => f.StartsWith("NEXUS_LEASE_RENEW_DEADLINE_SECONDS=6: ", StringComparison.Ordinal) && f.Contains("LEASE_DURATION_SECONDS (5)"));
        Assert.Contains(e.Failures, f => f.StartsWith("NEXUS_RECONCILE_CONCURRENCY=0: ", StringComparison.Ordinal));
        Assert.Contains(e.Failures, f => f.StartsWith("NEXUS_OPERATOR_URL=localhost: ", StringComparison.Ordinal));
        Assert.Equal(3, e.Failures.Count());
    }

    [Fact]
    public void The_retention_setting_under_its_earlier_name_is_refused_with_its_new_name()
    {
        var e = Assert.Throws<OptionsValidationException>(() => OperatorSettings.Load([Db, "--retention-after-archive-seconds=60"]));
        var failure = Assert.Single(e.Failures);
        Assert.StartsWith("NEXUS_RETENTION_AFTER_ARCHIVE_SECONDS=60: ", failure);
        Assert.Contains("NEXUS_RETENTION_AFTER_FINISH_SECONDS", failure);
    }

    [Fact]
    public void A_value_of_the_wrong_type_names_its_setting()
    {
        var e = Assert.Throws<ArgumentException>(() => OperatorSettings.Load([Db, "--max-queue-seconds=a-day"]));
        Assert.Contains("MAX_QUEUE_SECONDS", e.Message);
    }

    [Theory]
    [InlineData("NEXUS_LEASE_DURATION_SECONDS", "-1", "NEXUS_LEASE_DURATION_SECONDS=-1")]
    [InlineData("NEXUS_RESULT_INLINE_MAX_BYTES", "5000000", "NEXUS_RESULT_INLINE_MAX_BYTES=5000000")]
    [InlineData("NEXUS_DATABASE_URL", "", "NEXUS_DATABASE_URL=: is required")]
    [InlineData("NEXUS_POLL_INTERVAL_SECONDS", "soon", "POLL_INTERVAL_SECONDS")]
    [InlineData("NEXUS_LOG_LEVEL", "Loud", "LOG_LEVEL")]
    public async Task The_operator_process_refuses_to_start_with_a_bad_setting_and_names_it(string variable, string value, string named)
    {
        var psi = new ProcessStartInfo("dotnet", $"\"{Path.Combine(AppContext.BaseDirectory, "Nexus.Operator.dll")}\"")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // No cluster is reachable at this address: a process that got past its settings would not exit by itself.
        psi.Environment["NEXUS_KUBECONFIG"] = "/nonexistent/kubeconfig";
        psi.Environment["NEXUS_OPERATOR_URL"] = "http://127.0.0.1:0";
        psi.Environment["NEXUS_DATABASE_URL"] = "postgresql://nexus@127.0.0.1:1/nexus";
        psi.Environment[variable] = value;
        using var process = Process.Start(psi)!;
        var stderr = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(deadline.Token);
        Assert.Equal(2, process.ExitCode);
        Assert.Contains(named, await stderr);
    }
}
