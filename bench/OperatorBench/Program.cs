using System.Diagnostics;
using System.Text.Json;
using k8s;
using k8s.Models;
using Nexus.Bench.Operator;
using Nexus.Crds.Entities;
using Nexus.Operator;
using Nexus.Shared;
using StandIn = Nexus.KubeApiServer.KubeApiServer;
using StandInOptions = Nexus.KubeApiServer.KubeApiServerOptions;

// Usage: OperatorBench [--jobs=10000] [--latency-jobs=1000] [--cached=100000] [--crds=crds]
//                      [--retention-jobs=0] [--retention-seconds=10] [--retention-rate=500]
//                      [--progress-jobs=0] [--progress-seconds=20]
//                      [--tenants=7] [--quotas=0] [--claim-queue-jobs=0]
// --tenants spreads the throughput run's jobs over that many tenants; --quotas=1 gives each a TenantQuota (weights
// 1-4, no limits) so the weighted claim order is what is measured; --claim-queue-jobs times the claim queue alone
// (offer, then claim everything, 1 tenant and 1,000 tenants, same jobs), without the API or workers.
// The retention run uses a fresh database on NEXUS_DATABASE_URL's server, else starts its own PostgreSQL.
var arg = args.Select(a => a.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0].TrimStart('-'), p => p[1]);
int Arg(string k, int d) => arg.TryGetValue(k, out var v) ? int.Parse(v) : d;
var jobs = Arg("jobs", 10_000);
var latencyJobs = Arg("latency-jobs", 1_000);
var cached = Arg("cached", 100_000);
// AiJobs kept in the API during a long run with a short retention after archiving (off unless --retention-jobs is given).
var retentionJobs = Arg("retention-jobs", 0);
var retentionSeconds = Arg("retention-seconds", 10);
var retentionRate = Arg("retention-rate", 500);
// Jobs that run progress-seconds each, reporting a new progress at nearly every poll (off unless --progress-jobs is given).
var progressJobs = Arg("progress-jobs", 0);
var progressSeconds = Arg("progress-seconds", 20);
var tenants = Arg("tenants", 7);
var quotas = Arg("quotas", 0) != 0;
var claimQueueJobs = Arg("claim-queue-jobs", 0);
var crds = arg.GetValueOrDefault("crds") ?? FindCrds();
const string Ns = "default";

Console.WriteLine($"operator benchmark: {jobs} queued jobs over {tenants} tenants{(quotas ? " with TenantQuotas" : "")}, {latencyJobs} latency jobs, {cached} cached jobs; {Environment.ProcessorCount} cores");

// --- 0: the claim queue alone: the same jobs offered and then all claimed, with 1 tenant and with 1,000 weighted ones.
if (claimQueueJobs > 0)
{
    foreach (var tenantCount in new[] { 1, 1000 })
    {
        var rates = new List<double>();
        for (var run = 0; run < 5; run++)
        {
            var queue = new Nexus.Operator.Jobs.ClaimQueue(TimeSpan.FromMinutes(10), t => 1 + (t.GetHashCode() & 3));
            var t0 = DateTime.UtcNow;
            var offered = Enumerable.Range(0, claimQueueJobs).Select(i => new Nexus.Operator.Jobs.QueuedJob($"j{i:D7}", JobTypes.All[i % 6],
                $"tenant-{i % tenantCount}", i % 3, t0.AddMilliseconds(i), t0.AddMilliseconds(i))).ToList();
            var clock = Stopwatch.StartNew();
            foreach (var job in offered) queue.Upsert(job);
            var claimed = 0;
            while (queue.Take(JobTypes.All, t0) is not null) claimed++;
            rates.Add(claimed / clock.Elapsed.TotalSeconds);
        }
        rates.Sort();
        Console.WriteLine($"claim queue, {tenantCount} tenant(s): {claimQueueJobs} jobs offered and claimed at {rates[2]:0} jobs/s (median of 5; min {rates[0]:0}, max {rates[4]:0})");
    }
}

// --- 1 + 2: throughput of claiming queued jobs, writes per job, then queue-to-start latency with free capacity.
if (jobs > 0)
{
    await using var server = await StandIn.StartAsync(new StandInOptions { CrdPaths = { crds }, RecordRequests = false });
    using var api = new KubeApi(server.ClientConfiguration());
    var workers = await InstantPool.StartAsync(api, Ns);
    if (quotas)
    {
        for (var t = 0; t < tenants; t++)
        {
            await api.CreateAsync(ResourceKind.TenantQuota.Collection(Ns), new TenantQuota
            {
                Metadata = new V1ObjectMeta { Name = $"tenant-{t}", NamespaceProperty = Ns },
                Spec = new TenantQuotaSpec { Tenant = $"tenant-{t}", Weight = 1 + t % 4 },
            }, default);
        }
    }

    var created = Stopwatch.StartNew();
    await CreateJobsAsync(api, jobs, "q", null, tenants: tenants);
    Console.WriteLine($"created {jobs} jobs in {created.Elapsed.TotalSeconds:0.0} s");

    await using var historyCluster = await Nexus.Bench.History.BenchCluster.StartAsync();
    // The operator's shipped defaults, except what --poll-ms / --resync-ms name (printed beside the figures).
    var defaults = new OperatorOptions();
    var options = new OperatorOptions
    {
        Namespace = Ns, Kubeconfig = server.KubeconfigPath, ListenUrl = "http://127.0.0.1:0",
        // The operator requires its history database: a fresh one on NEXUS_DATABASE_URL's server, else on a cluster of its own.
        DatabaseUrl = await historyCluster.FreshDatabaseAsync("nexus_operator_bench_throughput"),
        PollInterval = arg.TryGetValue("poll-ms", out var pollMs) ? TimeSpan.FromMilliseconds(int.Parse(pollMs)) : defaults.PollInterval,
        PoolResyncInterval = arg.TryGetValue("resync-ms", out var resyncMs) ? TimeSpan.FromMilliseconds(int.Parse(resyncMs)) : defaults.PoolResyncInterval,
    };
    Console.WriteLine($"operator settings: PollInterval {options.PollInterval.TotalMilliseconds:0} ms, PoolResyncInterval {options.PoolResyncInterval.TotalMilliseconds:0} ms" +
                      (arg.ContainsKey("poll-ms") || arg.ContainsKey("resync-ms") ? " (tuned)" : " (defaults)"));
    var clock = Stopwatch.StartNew();
    await using var host = await OperatorHost.StartAsync(options);
    while (host.Term is null) await Task.Delay(5);
    var leading = clock.Elapsed;
    var writes0 = host.Api.Writes;
    var events0 = host.Api.EventWrites;
    var counted = () => workers.Sum(w => w.Received.Count);
    while (counted() < jobs) await Task.Delay(5);
    var dispatched = clock.Elapsed;
    while (host.Term!.Stats.Counts().Where(kv => kv.Key.Phase == JobPhases.Completed).Sum(kv => kv.Value) < jobs) await Task.Delay(5);
    var completed = clock.Elapsed;
    await Task.Delay(1500); // let queued Events drain before counting them
    var writes = host.Api.Writes - writes0;
    var events = host.Api.EventWrites - events0;
    var dispatchSeconds = (dispatched - leading).TotalSeconds;
    var completeSeconds = (completed - leading).TotalSeconds;
    Console.WriteLine($"throughput: {jobs} queued jobs dispatched in {dispatchSeconds:0.00} s = {jobs / dispatchSeconds:0} jobs/s " +
                      $"(all Completed after {completeSeconds:0.00} s = {jobs / completeSeconds:0} jobs/s; leader ready after {leading.TotalSeconds:0.00} s)");
    Console.WriteLine($"API writes by the operator: {writes} = {(double)writes / jobs:0.00} per job (status and objects); Events: {events} = {(double)events / jobs:0.00} per job");
    // Every write of a job's life: the create (the bench's own, one per job), the operator's, its Events, and the
    // delete once the retention period has passed (one per job; outside this window, so counted, not measured).
    var life = 1 + (double)writes / jobs + (double)events / jobs + 1;
    Console.WriteLine($"API writes per job's life: {life:0.00} = create 1 + operator {(double)writes / jobs:0.00} + Events {(double)events / jobs:0.00} + delete 1 (after retention)");

    // Latency: free capacity, jobs arriving at a steady rate; timed from before the create is sent (so the create's
    // own round trip counts) to the worker's receipt of the POST.
    foreach (var w in workers) w.Received.Clear();
    var sent = new System.Collections.Concurrent.ConcurrentDictionary<string, long>();
    await CreateJobsAsync(api, latencyJobs, "l", sent, perSecond: 200);
    while (workers.Sum(w => w.Received.Count) < latencyJobs) await Task.Delay(5);
    var lat = sent.Select(kv => Stopwatch.GetElapsedTime(kv.Value, workers.Select(w => w.Received.GetValueOrDefault(kv.Key)).Max()).TotalMilliseconds).Order().ToList();
    Console.WriteLine($"queue-to-start latency with free capacity ({latencyJobs} jobs at 200/s): p50 {Pct(lat, 0.50):0.0} ms, p99 {Pct(lat, 0.99):0.0} ms, max {lat[^1]:0.0} ms");
    foreach (var w in workers) await w.DisposeAsync();
}

// --- 4: how many AiJobs the API holds during a run of retentionJobs jobs created at retentionRate/s, with finished
// jobs deleted retentionSeconds after they are archived: sampled from the API (a list with limit=1 and its
// remainingItemCount) every 250 ms, against the live jobs (created, not yet received by a worker) plus the jobs
// that finished within the retention window before the sample (received by a worker; the workers finish on receipt).
if (retentionJobs > 0)
{
    await using var server = await StandIn.StartAsync(new StandInOptions { CrdPaths = { crds }, RecordRequests = false });
    using var api = new KubeApi(server.ClientConfiguration());
    using var counter = server.CreateClient();
    var workers = await InstantPool.StartAsync(api, Ns);
    // The archive: a fresh database on NEXUS_DATABASE_URL's server, else on a durable cluster of its own.
    await using var cluster = await Nexus.Bench.History.BenchCluster.StartAsync();
    var options = new OperatorOptions
    {
        Namespace = Ns, Kubeconfig = server.KubeconfigPath, ListenUrl = "http://127.0.0.1:0",
        DatabaseUrl = await cluster.FreshDatabaseAsync("nexus_retention_bench"),
        RetentionAfterArchive = TimeSpan.FromSeconds(retentionSeconds),
    };
    Console.WriteLine($"retention run: {retentionJobs} jobs at {retentionRate}/s, RetentionAfterArchive {retentionSeconds} s, other operator settings the defaults");
    await using var host = await OperatorHost.StartAsync(options);
    while (host.Term is null) await Task.Delay(5);

    var samples = new List<(double At, long InApi, int Created, int Finished)>();
    var sent = new System.Collections.Concurrent.ConcurrentDictionary<string, long>();
    var clock = Stopwatch.StartNew();
    using var stop = new CancellationTokenSource();
    var sampler = Task.Run(async () =>
    {
        while (!stop.IsCancellationRequested)
        {
            var created = sent.Count;
            var finished = workers.Sum(w => w.Received.Count);
            var inApi = await CountAiJobsAsync(counter);
            lock (samples) samples.Add((clock.Elapsed.TotalSeconds, inApi, created, finished));
            try { await Task.Delay(250, stop.Token); } catch (OperationCanceledException) { }
        }
    });
    await CreateJobsAsync(api, retentionJobs, "r", sent, perSecond: retentionRate);
    var createdIn = clock.Elapsed.TotalSeconds;
    // Until every job has been deleted after its retention (or a deadline well past it).
    var deadline = clock.Elapsed + TimeSpan.FromSeconds(retentionSeconds + 120);
    while (await CountAiJobsAsync(counter) > 0 && clock.Elapsed < deadline) await Task.Delay(250);
    var drained = clock.Elapsed.TotalSeconds;
    stop.Cancel();
    await sampler;

    // For each sample: the bound is live (created − finished) + finished within the retention window before it.
    double FinishedBy(double at)
    {
        var before = samples.LastOrDefault(x => x.At <= at);
        return before == default ? 0 : before.Finished;
    }
    var rows = samples.Select(x => (x.At, x.InApi, Live: x.Created - x.Finished, Window: x.Finished - FinishedBy(x.At - retentionSeconds))).ToList();
    var peak = rows.MaxBy(r => r.InApi);
    var worst = rows.MaxBy(r => r.InApi - r.Live - r.Window);
    Console.WriteLine($"retention: {retentionJobs} jobs created in {createdIn:0.0} s, all deleted from the API after {drained:0.0} s ({samples.Count} samples)");
    Console.WriteLine($"retention: AiJobs in the API at most {peak.InApi} (at {peak.At:0.0} s: live {peak.Live} + finished in the last {retentionSeconds} s {peak.Window:0} = {peak.Live + peak.Window:0})");
    Console.WriteLine($"retention: largest excess over live + retention window: {worst.InApi - worst.Live - worst.Window:0} AiJobs at {worst.At:0.0} s " +
                      $"(in API {worst.InApi}, live {worst.Live}, window {worst.Window:0}; = {(worst.InApi - worst.Live - worst.Window) / (double)retentionRate:0.0} s of arrivals)");
    // A timeline, one sample in every five seconds, to show where AiJobs pile up.
    var shown = -5.0;
    foreach (var r in rows.Where(r => r.At - shown >= 5 && (shown = r.At) >= 0))
        Console.WriteLine($"retention: t {r.At,6:0.0} s  in API {r.InApi,6}  live {r.Live,6}  finished in window {r.Window,6:0}  excess {r.InApi - r.Live - r.Window,6:0}");
    foreach (var w in workers) await w.DisposeAsync();
}

// --- 5: what live progress costs: AiJob status writes (etcd) and live_jobs rows (PostgreSQL) per job, for jobs that
// run progressSeconds each and report a new progress at nearly every poll, all running at once; counted from the
// operator's own counters from before the first create until every job is archived (its last status write).
if (progressJobs > 0)
{
    await using var server = await StandIn.StartAsync(new StandInOptions { CrdPaths = { crds }, RecordRequests = false });
    using var api = new KubeApi(server.ClientConfiguration());
    var workers = await InstantPool.StartAsync(api, Ns, TimeSpan.FromSeconds(progressSeconds));
    await using var cluster = await Nexus.Bench.History.BenchCluster.StartAsync();
    var options = new OperatorOptions
    {
        Namespace = Ns, Kubeconfig = server.KubeconfigPath, ListenUrl = "http://127.0.0.1:0",
        DatabaseUrl = await cluster.FreshDatabaseAsync("nexus_progress_bench"),
    };
    Console.WriteLine($"progress run: {progressJobs} jobs of {progressSeconds} s each, all at once; PollInterval {options.PollInterval.TotalSeconds:0.#} s, " +
                      $"LiveFlushInterval {options.LiveFlushInterval.TotalSeconds:0.#} s (defaults)");
    await using var host = await OperatorHost.StartAsync(options);
    while (host.Term is null || !host.Startup.IsMigrated) await Task.Delay(5);
    var status0 = host.Metrics.StatusWrites.Value;
    var rows0 = host.Metrics.LiveRowsWritten.Value;
    var flushes0 = host.Metrics.LiveFlushes.WithLabels("success").Value;
    var clock = Stopwatch.StartNew();
    await CreateJobsAsync(api, progressJobs, "p", null);
    while (host.Metrics.Archived.WithLabels(Nexus.Operator.Metrics.OperatorMetrics.Kinds.AiJob).Value < progressJobs) await Task.Delay(50);
    var elapsed = clock.Elapsed.TotalSeconds;
    var status = host.Metrics.StatusWrites.Value - status0;
    var rows = host.Metrics.LiveRowsWritten.Value - rows0;
    var flushes = host.Metrics.LiveFlushes.WithLabels("success").Value - flushes0;
    Console.WriteLine($"progress: {progressJobs} jobs archived after {elapsed:0.0} s");
    Console.WriteLine($"progress: AiJob status writes (etcd) {status} = {status / progressJobs:0.00} per job, whatever the progress does");
    Console.WriteLine($"progress: live_jobs rows written (PostgreSQL) {rows} = {rows / progressJobs:0.00} per job = {rows / progressJobs / progressSeconds * 10:0.0} per job per 10 s of run, " +
                      $"in {flushes} upserts ({rows / Math.Max(1, flushes):0} rows each on average)");
    foreach (var w in workers) await w.DisposeAsync();
}

// --- 3: memory of the operator process with many AiJobs cached.
if (cached > 0)
{
    await using var server = await StandIn.StartAsync(new StandInOptions { CrdPaths = { crds }, RecordRequests = false });
    using var api = new KubeApi(server.ClientConfiguration());
    var created = Stopwatch.StartNew();
    await CreateJobsAsync(api, cached, "m", null);
    Console.WriteLine($"created {cached} jobs in {created.Elapsed.TotalSeconds:0.0} s");
    var dll = Path.Combine(AppContext.BaseDirectory, "Nexus.Operator.dll");
    var psi = new ProcessStartInfo("dotnet", $"\"{dll}\"") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
    psi.Environment["NEXUS_KUBECONFIG"] = server.KubeconfigPath;
    psi.Environment["NEXUS_OPERATOR_URL"] = "http://127.0.0.1:0";
    psi.Environment["NEXUS_LOG_LEVEL"] = "Information";
    using var p = Process.Start(psi)!;
    var leadingLine = new TaskCompletionSource<string>();
    p.OutputDataReceived += (_, e) => { if (e.Data?.Contains("leading:") == true) leadingLine.TrySetResult(e.Data); };
    p.ErrorDataReceived += (_, _) => { };
    p.BeginOutputReadLine();
    p.BeginErrorReadLine();
    var line = await leadingLine.Task.WaitAsync(TimeSpan.FromMinutes(5));
    // Let the queued jobs get their status and the runtime settle, then read the resident set size.
    await Task.Delay(TimeSpan.FromSeconds(20));
    var rss = File.ReadAllLines($"/proc/{p.Id}/status").First(l => l.StartsWith("VmRSS:"));
    Console.WriteLine($"memory with {cached} AiJobs cached: {rss.Split(':')[1].Trim()} resident ({line[(line.IndexOf("leading:") + 8)..].Trim()})");
    p.Kill();
}

// The AiJobs the API holds now: one item listed, the rest counted by the API (remainingItemCount).
static async Task<long> CountAiJobsAsync(k8s.Kubernetes client)
{
    var list = (JsonElement)await client.CustomObjects.ListNamespacedCustomObjectAsync(NexusGroup.Group, NexusGroup.Version, "default", AiJob.Plural, limit: 1);
    var items = list.GetProperty("items").GetArrayLength();
    return items + (list.GetProperty("metadata").TryGetProperty("remainingItemCount", out var rest) ? rest.GetInt64() : 0);
}

static double Pct(List<double> sorted, double q) => sorted[Math.Min(sorted.Count - 1, (int)(q * sorted.Count))];

static async Task CreateJobsAsync(KubeApi api, int count, string prefix, System.Collections.Concurrent.ConcurrentDictionary<string, long>? sent, int perSecond = 0, int tenants = 7)
{
    var types = JobTypes.All;
    var start = Stopwatch.StartNew();
    var next = 0;
    await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = perSecond > 0 ? 8 : 32 }, async (i, ct) =>
    {
        if (perSecond > 0)
        {
            var due = TimeSpan.FromSeconds((double)Interlocked.Increment(ref next) / perSecond);
            var wait = due - start.Elapsed;
            if (wait > TimeSpan.Zero) await Task.Delay(wait, ct);
        }
        var name = $"{prefix}-{i:D6}";
        var type = types[i % types.Count];
        var job = new AiJob
        {
            Metadata = new V1ObjectMeta
            {
                Name = name, NamespaceProperty = "default",
                Labels = new Dictionary<string, string> { [NexusGroup.TenantLabel] = $"tenant-{i % tenants}", [NexusGroup.JobTypeLabel] = type, [NexusGroup.PriorityLabel] = Priorities.All[i % 3] },
            },
            Spec = new AiJobSpec
            {
                Type = type, Tenant = $"tenant-{i % tenants}", Priority = Priorities.All[i % 3],
                Params = JsonSerializer.SerializeToElement(new { skus = new[] { $"SKU-{i}" }, marketplace = "amazon_de" }),
            },
        };
        sent?.TryAdd(name, Stopwatch.GetTimestamp());
        await api.CreateAsync(ResourceKind.AiJob.Collection("default"), job, ct);
    });
}

static string FindCrds()
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
    {
        var candidate = Path.Combine(dir.FullName, "crds");
        if (File.Exists(Path.Combine(dir.FullName, "NexusOperator.sln"))) return candidate;
    }
    throw new InvalidOperationException("crds directory not found; pass --crds=PATH");
}
