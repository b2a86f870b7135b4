using System.Text.Json.Nodes;
using Nexus.Crds.Entities;

namespace Nexus.Tests.EndToEnd;

/// <summary>Cancel and priority through the real stack. Blocking jobs are made with the workers' simulation hook.</summary>
[Collection(PlatformCollection.Name)]
public sealed class QueueEndToEndTests(PlatformStack stack)
{
    [Fact]
    public async Task Queued_job_can_be_cancelled_and_never_runs()
    {
        using var api = new JobsApi(stack.Gateway, stack.ApiKey, stack.Tenant);
        using var kubectl = new Kubectl(stack.Kubeconfig);
        // A job whose dependency never completes stays queued as long as we need.
        var blocker = await CreateJobAsync(kubectl, "listing_optimize", "normal", sleepSeconds: 10);
        var queued = await CreateJobAsync(kubectl, "listing_optimize", "normal", dependsOn: blocker);
        var id = ResourceIds.JobIdFromName(queued);
        Assert.Equal("queued", (await api.GetAsync(id)).Body!["data"]!["status"]!.GetValue<string>());

        var (status, _) = await api.CancelAsync(id);

        Assert.Equal(204, (int)status);
        var done = await api.WaitTerminalAsync(id);
        Assert.Equal("cancelled", done["status"]!.GetValue<string>());
        Assert.Null(done["started_at"]);
        await api.CancelAsync(ResourceIds.JobIdFromName(blocker)); // tidy up if still queued; 409 when running is fine
    }

    [Fact]
    public async Task High_priority_job_dispatched_after_low_ones_runs_next_on_a_pool_of_capacity_one()
    {
        using var api = new JobsApi(stack.Gateway, stack.ApiKey, stack.Tenant);
        using var kubectl = new Kubectl(stack.Kubeconfig);
        var pool = PlatformStack.PoolName("return_classify");
        await kubectl.OkAsync(null, "patch", "workerpool", pool, "--type=merge", "-p", """{"spec":{"concurrencyPerReplica":1}}""");
        try
        {
            var blocker = await CreateJobAsync(kubectl, "return_classify", "normal", sleepSeconds: 4);
            await api.WaitStatusAsync(ResourceIds.JobIdFromName(blocker), "running");

            var lows = new List<string>();
            for (var i = 0; i < 3; i++)
                lows.Add(await api.DispatchOkAsync(new { type = "return_classify", @params = new { skus = new[] { "SKU-010" } }, priority = "low" }));
            var high = await api.DispatchOkAsync(new { type = "return_classify", @params = new { skus = new[] { "SKU-011" } }, priority = "high" });

            var highDone = await api.WaitTerminalAsync(high);
            var lowDone = await Task.WhenAll(lows.Select(id => api.WaitTerminalAsync(id)));
            Assert.Equal("completed", highDone["status"]!.GetValue<string>());
            var highStart = DateTime.Parse(highDone["started_at"]!.GetValue<string>());
            Assert.All(lowDone, low => Assert.True(DateTime.Parse(low["started_at"]!.GetValue<string>()) >= highStart,
                $"a low job started at {low["started_at"]} before the high one at {highDone["started_at"]}"));
        }
        finally
        {
            await kubectl.OkAsync(null, "patch", "workerpool", pool, "--type=merge", "-p", """{"spec":{"concurrencyPerReplica":4}}""");
        }
    }

    /// <summary>Creates an AiJob with kubectl, as an operator of the platform would; returns its name.</summary>
    internal static async Task<string> CreateJobAsync(Kubectl kubectl, string type, string priority,
        int? sleepSeconds = null, string? dependsOn = null, int? timeoutSeconds = null)
    {
        var name = ResourceIds.NewJobName();
        var parameters = new JsonObject { ["skus"] = new JsonArray("SKU-001") };
        if (sleepSeconds is { } seconds) parameters["_simulate"] = new JsonObject { ["sleep_seconds"] = seconds };
        var spec = new JsonObject
        {
            ["type"] = type,
            ["tenant"] = "demo",
            ["priority"] = priority,
            ["maxRetries"] = 2,
            ["params"] = parameters,
        };
        if (timeoutSeconds is { } timeout) spec["timeoutSeconds"] = timeout;
        if (dependsOn is not null) spec["dependsOn"] = new JsonArray(dependsOn);
        var job = new JsonObject
        {
            ["apiVersion"] = NexusGroup.ApiVersion,
            ["kind"] = AiJob.KindName,
            ["metadata"] = new JsonObject
            {
                ["name"] = name,
                ["labels"] = new JsonObject
                {
                    [NexusGroup.TenantLabel] = "demo",
                    [NexusGroup.JobTypeLabel] = type,
                    [NexusGroup.PriorityLabel] = priority,
                },
            },
            ["spec"] = spec,
        };
        await kubectl.OkAsync(job.ToJsonString(), "create", "-f", "-");
        return name;
    }
}
