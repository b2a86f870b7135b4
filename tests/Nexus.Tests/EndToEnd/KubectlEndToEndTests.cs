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
}
