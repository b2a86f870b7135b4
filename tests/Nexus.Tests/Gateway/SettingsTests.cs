using System.Collections;
using System.Diagnostics;
using Microsoft.Extensions.Options;
using Nexus.Gateway;
using Nexus.Gateway.Settings;

namespace Nexus.Tests.Gateway;

public class SettingsTests
{
    private static GatewayOptions Load(params (string Name, string Value)[] variables) =>
        GatewayEnvironment.Load(GatewayEnvironment.Read(new Hashtable(variables.ToDictionary(v => v.Name, v => v.Value))));

    [Fact]
    public void Environment_variables_follow_one_convention_and_keep_their_names()
    {
        var options = Load(("NEXUS_NAMESPACE", "jobs"), ("KUBECONFIG", "/tmp/k"), ("NEXUS_GATEWAY_MAX_QUEUED_JOBS", "7"),
            ("NEXUS_GATEWAY_MAX_QUEUED_JOBS_PER_TENANT", "3"), ("NEXUS_GATEWAY_IDEMPOTENCY_TTL_HOURS", "2"),
            ("NEXUS_GATEWAY_CACHE_MISS_FALLBACK_SECONDS", "0"), ("NEXUS_DATABASE_URL", "postgresql://nexus@db:5432/nexus"),
            ("NEXUS_GATEWAY_LOG_LEVEL", "warn"), ("NEXUS_GATEWAY_URLS", "http://127.0.0.1:9000"));
        Assert.Equal(("jobs", "/tmp/k", 7, 3), (options.Namespace, options.KubeconfigPath, options.MaxQueuedJobs, options.MaxQueuedJobsPerTenant));
        Assert.Equal(TimeSpan.FromHours(2), options.IdempotencyTtl);
        Assert.Equal(TimeSpan.Zero, options.CacheMissFallbackWindow);
        Assert.Equal("postgresql://nexus@db:5432/nexus", options.DatabaseUrl);
        Assert.Equal("NEXUS_DATABASE_URL", GatewayEnvironment.VariableOf(nameof(GatewayOptions.DatabaseUrl)));
        Assert.Equal(Microsoft.Extensions.Logging.LogLevel.Warning, options.MinimumLogLevel);
        Assert.Equal("http://127.0.0.1:9000", options.Urls);
        Assert.Equal(new GatewayOptions().WatchTimeoutSeconds, options.WatchTimeoutSeconds);
        Assert.Equal("NEXUS_GATEWAY_QUEUE_FULL_RETRY_AFTER_SECONDS", GatewayEnvironment.VariableOf(nameof(GatewayOptions.QueueFullRetryAfterSeconds)));
    }

    [Fact]
    public void A_bad_value_is_refused_naming_its_variable()
    {
        var invalid = Assert.Throws<OptionsValidationException>(() => Load(("NEXUS_GATEWAY_MAX_QUEUED_JOBS", "0"), ("NEXUS_GATEWAY_LOG_FORMAT", "xml")));
        Assert.Contains("NEXUS_GATEWAY_MAX_QUEUED_JOBS: must be between 1 and", invalid.Message);
        Assert.Contains("got '0'", invalid.Message);
        Assert.Contains("NEXUS_GATEWAY_LOG_FORMAT: must be json, simple or none, got 'xml'", invalid.Message);
        var unparsable = Assert.Throws<InvalidOperationException>(() => Load(("NEXUS_GATEWAY_WATCH_TIMEOUT_SECONDS", "soon")));
        Assert.Contains("NEXUS_GATEWAY_WATCH_TIMEOUT_SECONDS", GatewayEnvironment.Explain(unparsable.Message));
    }

    [Theory]
    [InlineData("NEXUS_GATEWAY_MAX_QUEUED_JOBS", "0", "NEXUS_GATEWAY_MAX_QUEUED_JOBS: must be between 1 and")]
    [InlineData("NEXUS_GATEWAY_WATCH_TIMEOUT_SECONDS", "soon", "NEXUS_GATEWAY_WATCH_TIMEOUT_SECONDS")]
    [InlineData("NEXUS_GATEWAY_LOG_LEVEL", "loud", "NEXUS_GATEWAY_LOG_LEVEL: must be Trace")]
    [InlineData("NEXUS_NAMESPACE", "Not A Namespace", "NEXUS_NAMESPACE: must be a Kubernetes namespace name")]
    [InlineData("NEXUS_DATABASE_URL", " ", "NEXUS_DATABASE_URL: is required")]
    [InlineData("NEXUS_DATABASE_URL", "postgresql://", "NEXUS_DATABASE_URL: is not a database URL")]
    public async Task The_gateway_binary_stops_at_start_on_a_bad_setting_and_says_which(string variable, string value, string expected)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { Path.Combine(AppContext.BaseDirectory, "Nexus.Gateway.dll") },
            RedirectStandardOutput = true, RedirectStandardError = true,
            Environment = { [variable] = value, ["NEXUS_GATEWAY_URLS"] = "http://127.0.0.1:0", ["KUBECONFIG"] = "/nonexistent/kubeconfig" },
        };
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
        var errors = await stderr;
        Assert.True(process.ExitCode == 2, $"exit {process.ExitCode}; stderr: {errors}; stdout: {await stdout}");
        Assert.Contains("gateway cannot start, invalid settings", errors);
        Assert.Contains(expected, errors);
    }
}
