using System.Diagnostics;
using System.Text.Json.Nodes;
using Nexus.Crds.Entities;
using Nexus.Shared;
using Nexus.Tests.Operator.Support;
using Nexus.Tests.Support;

namespace Nexus.Tests.Operator;

/// <summary>
/// The operator as a real process, killed with SIGKILL at random moments while 500 jobs run: after each
/// restart it re-attaches through the pins; every job ends exactly once, none is run twice.
/// </summary>
public sealed class CrashSafetyTests
{
    private static Process StartOperatorProcess(OperatorCluster c, string identity)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "Nexus.Operator.dll");
        var psi = new ProcessStartInfo("dotnet", $"\"{dll}\"")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.Environment["NEXUS_KUBECONFIG"] = c.Server.KubeconfigPath;
        psi.Environment["NEXUS_NAMESPACE"] = OperatorCluster.Ns;
        psi.Environment["NEXUS_OPERATOR_URL"] = "http://127.0.0.1:0";
        // A container restarted in the same pod keeps its pod name, hence its identity.
        psi.Environment["NEXUS_OPERATOR_IDENTITY"] = identity;
        psi.Environment["NEXUS_LEASE_DURATION_SECONDS"] = "3";
        psi.Environment["NEXUS_LEASE_RENEW_DEADLINE_SECONDS"] = "2";
        psi.Environment["NEXUS_LEASE_RETRY_PERIOD_SECONDS"] = "0.3";
        psi.Environment["NEXUS_POOL_RESYNC_SECONDS"] = "0.2";
        psi.Environment["NEXUS_POLL_INTERVAL_SECONDS"] = "0.1";
        psi.Environment["NEXUS_LOG_LEVEL"] = "Warning";
        var p = Process.Start(psi)!;
        p.OutputDataReceived += (_, _) => { };
        p.ErrorDataReceived += (_, _) => { };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return p;
    }

    [Fact]
    public async Task Sigterm_stops_the_operator_process_cleanly_and_releases_its_lease()
    {
        await using var c = await OperatorCluster.StartAsync(workers: 1);
        using var client = c.Server.CreateClient();
        var process = StartOperatorProcess(c, "op-sigterm");
        try
        {
            await Wait.UntilAsync(async () => await LeaseHolderAsync(client) == "op-sigterm", "the process to lead");

            Signals.Send(process.Id, Signals.Sigterm);

            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await process.WaitForExitAsync(deadline.Token);
            Assert.Equal(0, process.ExitCode);
            // Released, so a standby can take over at once instead of waiting out the lease.
            Assert.True(string.IsNullOrEmpty(await LeaseHolderAsync(client)));
        }
        finally
        {
            if (!process.HasExited) process.Kill();
        }
    }

    private static async Task<string?> LeaseHolderAsync(k8s.Kubernetes client)
    {
        try
        {
            var lease = await k8s.CoordinationV1OperationsExtensions.ReadNamespacedLeaseAsync(client.CoordinationV1, "nexus-operator-leader", OperatorCluster.Ns);
            return lease.Spec?.HolderIdentity;
        }
        catch (k8s.Autorest.HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    [Fact]
    public async Task Sigkill_at_random_moments_loses_no_job_and_runs_none_twice()
    {
        await using var c = await OperatorCluster.StartAsync(workers: 4);
        foreach (var w in c.Workers)
        {
            w.Concurrency = 1000;
            w.Behave = (id, attempt, p) => new FakeBehaviour
            {
                Duration = TimeSpan.FromMilliseconds(100 + Math.Abs(id.GetHashCode()) % 400),
                Result = new JsonObject { ["id"] = id },
            };
        }
        await c.CreatePoolAsync("pool", concurrency: 40);
        var names = new List<string>();
        var creating = Task.Run(async () =>
        {
            for (var i = 0; i < 500; i += 25)
            {
                var batch = await Task.WhenAll(Enumerable.Range(0, 25).Select(_ => c.CreateJobAsync(tenant: $"t{i % 3}")));
                lock (names) names.AddRange(batch.Select(j => j.Metadata.Name));
            }
        });

        var rnd = new Random(42);
        var process = StartOperatorProcess(c, "op-crash");
        try
        {
            for (var kill = 0; kill < 5; kill++)
            {
                await Task.Delay(rnd.Next(700, 2500)); // a random moment, not a synchronisation
                process.Kill(); // SIGKILL
                await process.WaitForExitAsync();
                process.Dispose();
                process = StartOperatorProcess(c, "op-crash");
            }
            await creating;

            await Wait.UntilAsync(async () =>
            {
                var list = await c.Api.ListAsync<AiJob>(ResourceKind.AiJob.Collection(OperatorCluster.Ns), null, 1000, default);
                return list.Items.Count == 500 && list.Items.All(j => JobPhases.IsTerminal(j.Status?.Phase));
            }, "all 500 jobs terminal", TimeSpan.FromSeconds(90));
        }
        finally
        {
            if (!process.HasExited) process.Kill();
            process.Dispose();
        }

        var jobs = (await c.Api.ListAsync<AiJob>(ResourceKind.AiJob.Collection(OperatorCluster.Ns), null, 1000, default)).Items;
        Assert.Equal(500, jobs.Count);
        Assert.All(jobs, j =>
        {
            Assert.Equal(JobPhases.Completed, j.Status!.Phase);
            Assert.Equal(j.Metadata.Name, j.Status.Result!.Value.GetProperty("id").GetString());
        });
        var submissions = c.Workers.SelectMany(w => w.Submissions).ToList();
        // Each job was started on exactly one instance, once; no attempt overlapped another.
        Assert.Equal(500, submissions.Select(s => s.Id).Distinct().Count());
        Assert.Equal(500, submissions.Count);
        Assert.All(c.Workers, w => Assert.Equal(0, w.Overlaps));
        Assert.All(jobs, j => Assert.Equal(1, j.Status!.Attempts));
    }
}
