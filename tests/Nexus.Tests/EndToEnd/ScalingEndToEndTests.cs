using Nexus.Crds.Entities;
using Nexus.Tests.Support;

namespace Nexus.Tests.EndToEnd;

/// <summary>Under `make run` a pool's Deployment is really scaled: the node agent starts and stops its workers.</summary>
[Collection(PlatformCollection.Name)]
public sealed class ScalingEndToEndTests(PlatformStack stack)
{
    [Fact]
    public async Task Pool_with_minimum_zero_scales_to_its_maximum_for_a_burst_and_back_to_zero()
    {
        using var api = new JobsApi(stack.Gateway, stack.ApiKey, stack.Tenant);
        using var kubectl = new Kubectl(stack.Kubeconfig);
        const string type = "llm_visibility_score";
        var pool = PlatformStack.PoolName(type);
        await kubectl.OkAsync(null, "patch", "workerpool", pool, "--type=merge", "-p",
            """{"spec":{"maxReplicas":2,"concurrencyPerReplica":1,"scaleDownDelaySeconds":2}}""");
        try
        {
            var seen = new List<int>();
            async Task<int?> ReadyReplicas()
            {
                var row = await Row(kubectl, pool);
                if (seen.Count == 0 || seen[^1] != row.Ready) seen.Add(row.Ready);
                return row.Ready;
            }
            await Wait.UntilAsync(async () => await ReadyReplicas() == 0 && (await LocalPods.ListAsync(kubectl, LocalPods.OfPool(type))).Count == 0,
                $"{pool} at zero workers", TimeSpan.FromSeconds(60));

            var ids = new List<string>();
            // Demand 4 at one job per worker: the pool goes to its maximum of 2 and stays there while the jobs run.
            for (var i = 0; i < 4; i++)
                ids.Add(ResourceIds.JobIdFromName(await QueueEndToEndTests.CreateJobAsync(kubectl, type, "normal", sleepSeconds: 4)));
            await Wait.UntilAsync(async () => await ReadyReplicas() == 2, $"{pool} at its maximum of 2 ready workers", TimeSpan.FromSeconds(90));
            Assert.Equal(2, (await LocalPods.ListAsync(kubectl, LocalPods.OfPool(type))).Count(p => p.Ready));

            foreach (var id in ids)
            {
                var done = await api.WaitTerminalAsync(id);
                Assert.True(done["status"]!.GetValue<string>() == "completed", $"job ended {done}");
            }
            await Wait.UntilAsync(async () => await ReadyReplicas() == 0 && (await LocalPods.ListAsync(kubectl, LocalPods.OfPool(type))).Count == 0,
                $"{pool} back at zero workers", TimeSpan.FromSeconds(60));
            var replicas = await kubectl.OkAsync(null, "get", "deployment", pool, "-o", "jsonpath={.spec.replicas}");
            Assert.Equal("0", replicas);
            Assert.Equal(0, seen[0]);
            Assert.Contains(2, seen);
            Assert.Equal(0, seen[^1]);
        }
        finally
        {
            await kubectl.OkAsync(null, "patch", "workerpool", pool, "--type=merge", "-p",
                """{"spec":{"maxReplicas":3,"concurrencyPerReplica":4,"scaleDownDelaySeconds":60}}""");
        }
    }

    /// <summary>The READY and DESIRED columns of `kubectl get workerpools`.</summary>
    private static async Task<(int Ready, int Desired)> Row(Kubectl kubectl, string pool)
    {
        var lines = (await kubectl.OkAsync(null, "get", "workerpools", pool)).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var header = lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var cells = lines[1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        int Cell(string column) => int.TryParse(cells[Array.IndexOf(header, column)], out var n) ? n : 0;
        return (Cell("READY"), Cell("DESIRED"));
    }
}
