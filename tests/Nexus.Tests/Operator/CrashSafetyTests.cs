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
    /// <summary>A started operator process and the URL it said it serves (once it has said so).</summary>
    private sealed class OperatorProcess(Process process)
    {
        public Process Process { get; } = process;
        public volatile string? Url;
    }

    private static Process StartOperatorProcess(OperatorCluster c, string identity) => StartOperator(c, identity).Process;

    private static OperatorProcess StartOperator(OperatorCluster c, string identity)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "Nexus.Operator.dll");
        var psi = new ProcessStartInfo("dotnet", $"\"{dll}\"")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.Environment["NEXUS_KUBECONFIG"] = c.Server.KubeconfigPath;
        psi.Environment["NEXUS_DATABASE_URL"] = c.DatabaseUrl;
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
        var started = new OperatorProcess(p);
        p.OutputDataReceived += (_, e) =>
        {
            // "nexus-operator <identity> serving <url> in namespace <ns>"
            if (e.Data?.Split(' ') is [_, _, "serving", var url, ..]) started.Url = url;
        };
        p.ErrorDataReceived += (_, _) => { };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return started;
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
            w.FirstSubmitHold = TimeSpan.FromMilliseconds(300);
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
        var running = StartOperator(c, "op-crash");
        var process = running.Process;
        long reattached = 0, resubmitted = 0;
        var scraped = new List<string>();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        try
        {
            for (var kill = 0; kill < 5; kill++)
            {
                await Task.Delay(rnd.Next(700, 2500)); // a random moment, not a synchronisation
                if (kill == 1)
                {
                    // The first restarted process took over the attempts the kill interrupted: it re-attached them,
                    // and re-submitted those whose submit died with its predecessor.
                    var seen = (0L, 0L);
                    try
                    {
                        await Wait.UntilAsync(async () => (seen = await CountersAsync(http, running.Url)) is ( > 0, > 0), "re-attaches and re-submits", TimeSpan.FromSeconds(30));
                    }
                    catch (TimeoutException e)
                    {
                        throw new TimeoutException($"{e.Message}: (re-attached, re-submitted) = {seen} at {running.Url}; held submits dropped: {c.Workers.Sum(w => w.DroppedSubmits)}");
                    }
                }
                // The first kill waits for a moment with a submit on its way to a worker: an attempt claimed but
                // not yet received. Later ones prefer such a moment but do not wait long for it. Held submits stay
                // held until the kill, so one seen held is one the kill interrupts (a timed hold could end first).
                foreach (var w in c.Workers) w.FreezeHeldSubmits();
                var held = () => c.Workers.Any(w => Volatile.Read(ref w.HeldNow) > 0);
                if (kill == 0) await Wait.UntilAsync(held, "a submit in flight", TimeSpan.FromSeconds(60));
                else
                {
                    try { await Wait.UntilAsync(held, "a submit in flight", TimeSpan.FromSeconds(3)); } catch (TimeoutException) { }
                }
                var (r, s) = await CountersAsync(http, running.Url);
                scraped.Add($"{running.Url}: {r}/{s}");
                reattached += r;
                resubmitted += s;
                process.Kill(); // SIGKILL
                await process.WaitForExitAsync();
                foreach (var w in c.Workers)
                {
                    w.DropHeldSubmits();
                    w.ThawHeldSubmits();
                }
                process.Dispose();
                running = StartOperator(c, "op-crash");
                process = running.Process;
            }
            await creating;

            await Wait.UntilAsync(async () =>
            {
                var list = await c.Api.ListAsync<AiJob>(ResourceKind.AiJob.Collection(OperatorCluster.Ns), null, 1000, default);
                return list.Items.Count == 500 && list.Items.All(j => JobPhases.IsTerminal(j.Status?.Phase));
            }, "all 500 jobs terminal", TimeSpan.FromSeconds(90));
            // Kills also fell between archive writes and the status writes that record them: each job is archived once.
            await Wait.UntilAsync(async () =>
            {
                var list = await c.Api.ListAsync<AiJob>(ResourceKind.AiJob.Collection(OperatorCluster.Ns), null, 1000, default);
                return list.Items.Count == 500 && list.Items.All(j => j.Status?.ArchivedAt is not null);
            }, "all 500 jobs archived", TimeSpan.FromSeconds(90));
            var (lastReattached, lastResubmitted) = await CountersAsync(http, running.Url);
            reattached += lastReattached;
            resubmitted += lastResubmitted;
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
        // The history database has every job exactly once (no duplicate, none missing), each with its one attempt.
        await using (var rows = c.History.DataSource.CreateCommand(
            "SELECT count(*), count(DISTINCT id), count(*) FILTER (WHERE status = 'Completed' AND jsonb_array_length(attempts) = 1) FROM jobs"))
        await using (var reader = await rows.ExecuteReaderAsync())
        {
            Assert.True(await reader.ReadAsync());
            Assert.Equal((500L, 500L, 500L), (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2)));
        }

        // The kills hit work in flight: running jobs were taken over by the next process, and attempts claimed
        // but never received (their submit died with the process) were submitted again.
        Assert.True(reattached > 0, $"no running job was re-attached after a kill ({string.Join(", ", scraped)})");
        Assert.True(c.Workers.Sum(w => w.DroppedSubmits) > 0, "no kill interrupted a submit");
        Assert.True(resubmitted > 0, "no attempt was re-submitted after a re-attach");
        // No job ran on two instances at once (nor twice on one).
        var runs = c.Workers.SelectMany(w => w.Runs.Select(r => (w.Url, r.Id, r.Started, End: r.Finished ?? DateTime.MaxValue))).GroupBy(r => r.Id);
        Assert.All(runs, g =>
        {
            var ordered = g.OrderBy(r => r.Started).ToList();
            for (var i = 1; i < ordered.Count; i++) Assert.True(ordered[i].Started >= ordered[i - 1].End, $"{g.Key} ran on {ordered[i - 1].Url} and {ordered[i].Url} at once");
        });
    }

    /// <summary>The process's re-attach and re-submit counters; zero when it has not served metrics yet.</summary>
    private static async Task<(long Reattached, long Resubmitted)> CountersAsync(HttpClient http, string? url)
    {
        if (url is null) return (0, 0);
        try
        {
            var text = await http.GetStringAsync(url.TrimEnd('/') + "/metrics");
            return (Counter(text, "nexus_operator_reattached_total"), Counter(text, "nexus_operator_resubmitted_total"));
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return (0, 0);
        }
    }

    private static long Counter(string metrics, string name) =>
        metrics.Split('\n').Where(l => l.StartsWith(name + " ", StringComparison.Ordinal))
            .Select(l => (long)double.Parse(l[(name.Length + 1)..], System.Globalization.CultureInfo.InvariantCulture)).FirstOrDefault();
}
