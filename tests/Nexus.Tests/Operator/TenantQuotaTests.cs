using System.Text.Json.Nodes;
using k8s.Models;
using Nexus.Crds.Entities;
using Nexus.Shared;
using Nexus.Tests.Operator.Support;
using Nexus.Tests.Support;

namespace Nexus.Tests.Operator;

/// <summary>The real operator against the API stand-in: TenantQuota weights and running limits in the claims of a pool.</summary>
public sealed class TenantQuotaTests
{
    private static Task<TenantQuota> CreateQuotaAsync(OperatorCluster c, string tenant, int weight = 1, int? maxRunning = null,
        List<TenantTypeLimit>? perType = null) =>
        c.Api.CreateAsync(ResourceKind.TenantQuota.Collection(OperatorCluster.Ns), new TenantQuota
        {
            Metadata = new V1ObjectMeta { Name = tenant == "*" ? "default" : tenant, NamespaceProperty = OperatorCluster.Ns },
            Spec = new TenantQuotaSpec { Tenant = tenant, Weight = weight, MaxRunning = maxRunning, MaxRunningPerType = perType },
        }, default);

    [Fact]
    public async Task A_capacity_one_pool_claims_by_weight_three_to_one()
    {
        await using var c = await OperatorCluster.StartAsync();
        var worker = c.Workers[0];
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        const string blocker = "blocker";
        worker.Behave = (id, _, _) => id == ResourceIds.JobIdFromName(blocker)
            ? new FakeBehaviour { Until = gate.Task, Result = new JsonObject { ["ok"] = true } }
            : new FakeBehaviour { Result = new JsonObject { ["ok"] = true } };
        await CreateQuotaAsync(c, "heavy", weight: 3);
        await CreateQuotaAsync(c, "light", weight: 1);
        await c.CreatePoolAsync("pool", concurrency: 1);
        var op = await c.StartLeaderAsync();
        // The one slot is taken while both tenants queue, so every claim after it chooses among all their jobs.
        await c.CreateJobAsync(blocker, tenant: "other");
        await c.WaitForPhaseAsync(blocker, JobPhases.Running);
        var tenantOf = new Dictionary<string, string>();
        for (var i = 0; i < 8; i++)
        {
            foreach (var tenant in new[] { "heavy", "light" })
            {
                var job = await c.CreateJobAsync($"{tenant}-{i}", tenant: tenant);
                tenantOf[ResourceIds.JobIdFromName(job.Metadata.Name)] = tenant;
            }
        }
        await Wait.UntilAsync(() => op.Term?.Scheduler.Queued == 16, "all 16 jobs offered to the scheduler");
        gate.SetResult();

        await Wait.UntilAsync(() => worker.Submissions.Count == 17, "every job submitted", TimeSpan.FromSeconds(60));
        var order = worker.Submissions.Select(s => s.Id).Where(tenantOf.ContainsKey).Select(id => tenantOf[id]).ToList();
        // Weight 3:1: three of heavy's claims to one of light's in each round of four while both wait (round-robin
        // would give two and two), and every prefix within one claim of that share.
        Assert.Equal(3, order.Take(4).Count(t => t == "heavy"));
        Assert.Equal(3, order.Skip(4).Take(4).Count(t => t == "heavy"));
        for (var n = 1; n <= 8; n++) Assert.InRange(order.Take(n).Count(t => t == "heavy") - 3.0 * n / 4, -1, 1);
        Assert.Equal(1, worker.MaxConcurrent);
    }

    [Fact]
    public async Task A_tenant_at_its_running_limits_waits_while_another_tenant_runs()
    {
        await using var c = await OperatorCluster.StartAsync();
        var worker = c.Workers[0];
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        worker.Behave = (_, _, _) => new FakeBehaviour { Until = gate.Task, Result = new JsonObject { ["ok"] = true } };
        // The default quota for everyone: one running job at a time, and no more than one competitor scan.
        await CreateQuotaAsync(c, "*", maxRunning: 2, perType: [new TenantTypeLimit { Type = JobTypes.CompetitorScan, MaxRunning = 1 }]);
        await c.CreatePoolAsync("pool", concurrency: 10);
        var op = await c.StartLeaderAsync();
        for (var i = 0; i < 3; i++) await c.CreateJobAsync($"busy-scan-{i}", type: JobTypes.CompetitorScan, tenant: "busy");
        await c.CreateJobAsync("busy-price-0", tenant: "busy");
        await c.CreateJobAsync("busy-price-1", tenant: "busy");
        await c.CreateJobAsync("calm-0", tenant: "calm");

        // busy runs one scan and one pricing job (its two), calm runs beside it; the rest of busy's stay queued.
        await c.WaitForPhaseAsync("calm-0", JobPhases.Running);
        await Wait.UntilAsync(async () =>
        {
            var phases = await Task.WhenAll(new[] { "busy-scan-0", "busy-scan-1", "busy-scan-2", "busy-price-0", "busy-price-1" }
                .Select(async n => (await c.GetJobAsync(n))!.Status?.Phase));
            return phases.Count(p => p == JobPhases.Running) == 2;
        }, "two of busy's jobs running");
        // The other three are queued and offered, yet the scheduler, with eight free slots, leaves them.
        await Wait.UntilAsync(() => op.Term?.Scheduler.Queued == 3, "busy's three other jobs offered");
        var jobs = await Task.WhenAll(new[] { "busy-scan-0", "busy-scan-1", "busy-scan-2", "busy-price-0", "busy-price-1" }.Select(c.GetJobAsync));
        var running = jobs.Where(j => j!.Status?.Phase == JobPhases.Running).ToList();
        Assert.Single(running, j => j!.Spec.Type == JobTypes.CompetitorScan);
        Assert.Single(running, j => j!.Spec.Type == JobTypes.PricingRecalculate);
        // Not claimed (a job offered within the initial-status delay may have no status yet).
        Assert.All(jobs.Except(running), j => Assert.True(j!.Status?.Phase is null or JobPhases.Queued, j.Status?.Phase));
        Assert.Equal(3, worker.Submissions.Count);

        // When the runs end, the held jobs go too: none is stuck.
        gate.SetResult();
        foreach (var j in jobs) await c.WaitForPhaseAsync(j!.Metadata.Name, JobPhases.Completed, TimeSpan.FromSeconds(60));
        Assert.Equal(6, worker.Submissions.Select(s => s.Id).Distinct().Count());
    }
}
