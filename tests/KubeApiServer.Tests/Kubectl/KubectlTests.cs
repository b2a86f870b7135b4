using Nexus.KubeApiServer.Tests.Support;

namespace Nexus.KubeApiServer.Tests.Kubectl;

/// <summary>The real kubectl (v1.32) against the stand-in: apply, get with printer columns, -o yaml, -w, delete, schema errors.</summary>
public class KubectlTests : IAsyncLifetime
{
    KubeApiServer _server = null!;
    KubectlRunner _kubectl = null!;

    public async Task InitializeAsync()
    {
        _server = await KubeApiServer.StartAsync();
        _kubectl = new KubectlRunner(_server.KubeconfigPath);
    }

    public async Task DisposeAsync()
    {
        _kubectl.Dispose();
        await _server.DisposeAsync();
    }

    static string Samples => Path.Combine(RepoRoot.Crds, "samples");

    async Task ApplyCrdsAndSamplesAsync()
    {
        var crds = await _kubectl.RunAsync("apply", "-f", RepoRoot.Crds);
        Assert.True(crds.ExitCode == 0, crds.Stderr);
        Assert.Contains("customresourcedefinition.apiextensions.k8s.io/aijobs.nexus.ai created", crds.Stdout);
        var samples = await _kubectl.RunAsync("apply", "-f", Samples);
        Assert.True(samples.ExitCode == 0, samples.Stderr);
        Assert.Contains("aijob.nexus.ai/sample-pricing created", samples.Stdout);
    }

    static string[] Cells(string line) => line.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    [Fact]
    public async Task Get_prints_the_printer_columns_with_values()
    {
        await ApplyCrdsAndSamplesAsync();
        using var client = _server.CreateClient();
        await new AiJobs(client, "default").PatchStatusAsync("sample-pricing", """{"status":{"phase":"Running","attempts":1}}""");
        var get = await _kubectl.RunAsync("get", "aijobs");
        Assert.True(get.ExitCode == 0, get.Stderr);
        var lines = get.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["NAME", "TYPE", "TENANT", "PRIORITY", "STATUS", "ATTEMPTS", "AGE"], Cells(lines[0]));
        var pricing = Cells(lines.Single(l => l.StartsWith("sample-pricing ", StringComparison.Ordinal)));
        Assert.Equal(["sample-pricing", "pricing_recalculate", "demo", "high", "Running", "1"], pricing[..6]);
        var sentiment = Cells(lines.Single(l => l.StartsWith("sample-sentiment ", StringComparison.Ordinal)));
        Assert.Equal(["sample-sentiment", "review_sentiment", "demo", "normal"], sentiment[..4]);
        var wide = await _kubectl.RunAsync("get", "aij", "-o", "wide");
        Assert.Contains("WORKER", wide.Stdout);
    }

    [Fact]
    public async Task Get_yaml_shows_the_defaulted_object()
    {
        await ApplyCrdsAndSamplesAsync();
        var yaml = await _kubectl.RunAsync("get", "aij", "sample-sentiment", "-o", "yaml");
        Assert.True(yaml.ExitCode == 0, yaml.Stderr);
        Assert.Contains("kind: AiJob", yaml.Stdout);
        Assert.Contains("priority: normal", yaml.Stdout);
        Assert.Contains("maxRetries: 1", yaml.Stdout);
        Assert.Contains("uid: ", yaml.Stdout);
    }

    [Fact]
    public async Task Get_watch_streams_a_status_change()
    {
        await ApplyCrdsAndSamplesAsync();
        var (process, lines) = _kubectl.StartStreaming("get", "aijobs", "-w");
        try
        {
            await ReadUntilAsync(lines, l => l.StartsWith("sample-sentiment ", StringComparison.Ordinal));
            using var client = _server.CreateClient();
            await new AiJobs(client, "default").PatchStatusAsync("sample-sentiment", """{"status":{"phase":"Completed","attempts":1}}""");
            var changed = await ReadUntilAsync(lines, l => l.StartsWith("sample-sentiment ", StringComparison.Ordinal) && l.Contains("Completed"));
            Assert.Equal("1", Cells(changed)[5]);
        }
        finally
        {
            process.Kill();
            await process.WaitForExitAsync();
            process.Dispose();
        }
    }

    static async Task<string> ReadUntilAsync(System.Threading.Channels.Channel<string> lines, Func<string, bool> match)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await foreach (var line in lines.Reader.ReadAllAsync(cts.Token))
            if (match(line)) return line;
        throw new InvalidOperationException("kubectl output ended before the expected line");
    }

    [Fact]
    public async Task Delete_removes_the_object()
    {
        await ApplyCrdsAndSamplesAsync();
        var delete = await _kubectl.RunAsync("delete", "aijob", "sample-pricing");
        Assert.True(delete.ExitCode == 0, delete.Stderr);
        Assert.Contains("aijob.nexus.ai \"sample-pricing\" deleted", delete.Stdout);
        var get = await _kubectl.RunAsync("get", "aij", "sample-pricing");
        Assert.NotEqual(0, get.ExitCode);
        Assert.Contains("NotFound", get.Stderr);
    }

    [Fact]
    public async Task Applying_the_invalid_sample_fails_with_the_schema_error()
    {
        await ApplyCrdsAndSamplesAsync();
        var apply = await _kubectl.RunAsync("apply", "-f", Path.Combine(Samples, "invalid"));
        Assert.NotEqual(0, apply.ExitCode);
        Assert.Contains("The AiJob \"sample-invalid\" is invalid", apply.Stderr);
        Assert.Contains("spec.priority: Unsupported value: \"urgent\"", apply.Stderr);
        Assert.Contains("spec.type: Required value", apply.Stderr);
    }

    [Fact]
    public async Task Reapply_patches_and_scale_works_on_deployments()
    {
        await ApplyCrdsAndSamplesAsync();
        var changed = (await File.ReadAllTextAsync(Path.Combine(Samples, "aijob-pricing.yaml"))).Replace("priority: high", "priority: low");
        var file = Path.Combine(Directory.CreateTempSubdirectory().FullName, "changed.yaml");
        await File.WriteAllTextAsync(file, changed);
        var apply = await _kubectl.RunAsync("apply", "-f", file);
        Assert.True(apply.ExitCode == 0, apply.Stderr);
        Assert.Contains("configured", apply.Stdout);
        var priority = await _kubectl.RunAsync("get", "aij", "sample-pricing", "-o", "jsonpath={.spec.priority}");
        Assert.Equal("low", priority.Stdout);
    }

    [Fact]
    public async Task Server_side_apply_reports_a_conflict_with_another_manager_and_force_conflicts_resolves_it()
    {
        await ApplyCrdsAndSamplesAsync();
        var dir = Directory.CreateTempSubdirectory().FullName;
        var high = Path.Combine(dir, "high.yaml");
        var low = Path.Combine(dir, "low.yaml");
        var job = """
            apiVersion: nexus.ai/v1
            kind: AiJob
            metadata: {name: ssa-kubectl, namespace: default}
            spec: {type: pricing_recalculate, tenant: acme, priority: PRIORITY, params: {skus: [SKU-1]}}
            """;
        await File.WriteAllTextAsync(high, job.Replace("PRIORITY", "high"));
        await File.WriteAllTextAsync(low, job.Replace("PRIORITY", "low"));
        var first = await _kubectl.RunAsync("apply", "--server-side", "--field-manager", "team-a", "-f", high);
        Assert.True(first.ExitCode == 0, first.Stderr);
        Assert.Contains("aijob.nexus.ai/ssa-kubectl serverside-applied", first.Stdout);

        var conflict = await _kubectl.RunAsync("apply", "--server-side", "-f", low);
        Assert.NotEqual(0, conflict.ExitCode);
        Assert.Contains("Apply failed with 1 conflict: conflict with \"team-a\": .spec.priority", conflict.Stderr);

        var forced = await _kubectl.RunAsync("apply", "--server-side", "--force-conflicts", "-f", low);
        Assert.True(forced.ExitCode == 0, forced.Stderr);
        var priority = await _kubectl.RunAsync("get", "aij", "ssa-kubectl", "-o", "jsonpath={.spec.priority}");
        Assert.Equal("low", priority.Stdout);
    }

    [Fact]
    public async Task Apply_refuses_an_unknown_param_by_default_and_prunes_it_with_validate_warn()
    {
        await ApplyCrdsAndSamplesAsync();
        var manifest = Path.Combine(Directory.CreateTempSubdirectory("aijob-").FullName, "unknown-param.yaml");
        await File.WriteAllTextAsync(manifest, """
            apiVersion: nexus.ai/v1
            kind: AiJob
            metadata: {name: unknown-param, namespace: default}
            spec:
              type: pricing_recalculate
              tenant: acme
              params: {skus: [SKU-1], bogus: 1, _simulate: {sleep_seconds: 1}}
            """);
        // kubectl's default --validate=strict sends fieldValidation=Strict.
        var strict = await _kubectl.RunAsync("apply", "-f", manifest);
        Assert.NotEqual(0, strict.ExitCode);
        Assert.Contains($"Error from server (BadRequest): error when creating \"{manifest}\": AiJob in version \"v1\" cannot be handled "
                        + "as a AiJob: strict decoding error: unknown field \"spec.params.bogus\"", strict.Stderr);
        Assert.NotEqual(0, (await _kubectl.RunAsync("get", "aij", "unknown-param")).ExitCode);

        var warn = await _kubectl.RunAsync("apply", "--validate=warn", "-f", manifest);
        Assert.True(warn.ExitCode == 0, warn.Stderr);
        Assert.Contains("Warning: unknown field \"spec.params.bogus\"", warn.Stderr);
        var stored = await _kubectl.RunAsync("get", "aij", "unknown-param", "-o", "jsonpath={.spec.params}");
        Assert.Equal("""{"_simulate":{"sleep_seconds":1},"skus":["SKU-1"]}""", stored.Stdout);
    }
}
