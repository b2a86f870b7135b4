using System.Text.RegularExpressions;
using Nexus.Crds.Entities;

namespace Nexus.Tests.EndToEnd;

[Collection(PlatformCollection.Name)]
public sealed class KubectlEndToEndTests(PlatformStack stack)
{
    [Fact]
    public async Task Kubectl_get_aijobs_lists_dispatched_jobs_with_printer_columns()
    {
        using var api = new JobsApi(stack.Gateway, stack.ApiKey, stack.Tenant);
        using var kubectl = new Kubectl(stack.Kubeconfig);
        var id = await api.DispatchOkAsync(new { type = "competitor_scan", @params = new { skus = new[] { "SKU-007" }, marketplace = "amazon_us" }, priority = "high" });
        await api.WaitTerminalAsync(id);
        Assert.True(ResourceIds.TryJobNameFromId(id, out var name));

        var table = await kubectl.OkAsync(null, "get", "aijobs");

        var lines = table.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Matches(@"^NAME\s+TYPE\s+TENANT\s+PRIORITY\s+STATUS\s+ATTEMPTS\s+AGE$", lines[0]);
        var row = Assert.Single(lines, l => l.StartsWith(name + " "));
        Assert.Matches(new Regex($@"^{name}\s+competitor_scan\s+demo\s+high\s+Completed\s+1\s+\S+$"), row);
    }

    [Fact]
    public async Task Kubectl_wait_for_condition_complete_returns_once_the_job_completes_and_wide_output_says_how_it_ended()
    {
        using var api = new JobsApi(stack.Gateway, stack.ApiKey, stack.Tenant);
        using var kubectl = new Kubectl(stack.Kubeconfig);
        var id = await api.DispatchOkAsync(new { type = "competitor_scan", @params = new { skus = new[] { "SKU-008" }, marketplace = "amazon_us" } });
        Assert.True(ResourceIds.TryJobNameFromId(id, out var name));

        // kubectl wait watches the object until the condition holds, as it does for batch/v1 Jobs.
        var waited = await kubectl.OkAsync(null, "wait", "--for=condition=Complete", $"aij/{name}", "--timeout=90s");
        Assert.Contains($"aijob.nexus.ai/{name} condition met", waited);
        var (_, job) = await api.GetAsync(id);
        Assert.Equal("completed", job!["data"]!["status"]!.GetValue<string>());

        var wide = (await kubectl.OkAsync(null, "get", "aij", name, "-o", "wide")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Matches(@"^NAME\s+TYPE\s+TENANT\s+PRIORITY\s+STATUS\s+ATTEMPTS\s+WORKER\s+ERROR\s+MESSAGE\s+AGE$", wide[0]);
        var row = new Regex($@"^{name}\s+competitor_scan\s+demo\s+normal\s+Completed\s+1\s+\S+\s+completed in attempt 1\s+\S+$");
        Assert.True(row.IsMatch(wide[1]), wide[1]);
    }

    [Fact]
    public async Task Kubectl_wait_for_condition_ready_holds_for_the_worker_pools()
    {
        using var kubectl = new Kubectl(stack.Kubeconfig);
        var waited = await kubectl.OkAsync(null, "wait", "--for=condition=Ready", "workerpools", "--all", "--timeout=90s");
        Assert.Contains("condition met", waited);
    }
}
