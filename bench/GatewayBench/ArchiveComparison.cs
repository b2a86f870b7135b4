using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text.Json;
using Nexus.Bench.History;
using Nexus.Crds.Entities;
using Nexus.Gateway.Auth;
using Nexus.Shared.History;

namespace Nexus.Bench.Gateway;

/// <summary>
/// The gateway with a large job history against the same with a small or empty one, in one run: (1) dispatch
/// throughput in process, empty against full archive, alternated; (2) the resident memory of a gateway and an operator
/// process after the same read/list workload, with a small archive and with the full one. The archives are
/// bulk-loaded as HistoryBench loads them (<see cref="LoadPlan"/>, <c>JobArchive.BulkImportAsync</c>).
/// </summary>
public static class ArchiveComparison
{
    public static async Task<int> RunAsync(IReadOnlyDictionary<string, string> arg)
    {
        int Arg(string name, int fallback) => arg.TryGetValue(name, out var v) ? int.Parse(v, System.Globalization.CultureInfo.InvariantCulture) : fallback;
        var archived = Arg("archive", 1_000_000);
        var tenants = Arg("tenants", 100);
        var dispatches = Arg("dispatches", 3000);
        var concurrency = Arg("concurrency", 8);
        var rounds = Arg("rounds", 2);
        var small = Arg("small", 10_000);
        var reads = Arg("reads", 4000);
        var tenantNames = new[] { "bench" }.Concat(Enumerable.Range(0, tenants).Select(LoadPlan.TenantName)).ToList();
        Console.WriteLine($"gateway with {archived:N0} archived jobs over {tenants} tenants against an empty archive; {Environment.ProcessorCount} cores; " +
                          $"load average before: {File.ReadAllText("/proc/loadavg").Trim()}");

        await using var cluster = await BenchCluster.StartAsync();
        Console.WriteLine($"database: {DatabaseUrl.Redact(cluster.Url)}");
        var (empty, _) = await LoadAsync(cluster, "nexus_gateway_bench_empty", 0, tenants);
        var (full, fullPlan) = await LoadAsync(cluster, "nexus_gateway_bench_full", archived, tenants);

        // (1) Dispatch throughput: a fresh stand-in and gateway per phase (so no phase inherits another's AiJobs),
        // the order alternated round by round so drift in the machine's load falls on both sides. A first phase on
        // the empty archive is thrown away: it pays for the process's JIT, which would count against whichever came first.
        var runs = new List<(string Archive, Throughput.Figures Plain, Throughput.Figures Keyed)>();
        await DispatchPhaseAsync(empty);
        for (var round = 0; round < rounds; round++)
            foreach (var (name, db) in round % 2 == 0 ? new[] { ("empty", empty), ("full", full) } : [("full", full), ("empty", empty)])
            {
                var (plain, keyed) = await DispatchPhaseAsync(db);
                runs.Add((name, plain, keyed));
                Console.WriteLine($"round {round + 1}, {name} archive: dispatch {plain.PerSecond:N0}/s (p99 {plain.P99:N2} ms); " +
                                  $"with Idempotency-Key {keyed.PerSecond:N0}/s (p99 {keyed.P99:N2} ms); load {File.ReadAllText("/proc/loadavg").Trim()}");
            }

        async Task<(Throughput.Figures Plain, Throughput.Figures Keyed)> DispatchPhaseAsync(string db)
        {
            await using var rig = await GatewayRig.StartAsync(db, concurrency, tenantNames);
            for (var i = 0; i < 200; i++) (await rig.DispatchAsync()).Dispose();
            for (var i = 0; i < 200; i++) (await rig.DispatchAsync(Guid.NewGuid().ToString("N"))).Dispose();
            var plain = await Throughput.RunAsync("dispatch", dispatches, concurrency, 202, () => rig.DispatchAsync());
            var keyed = await Throughput.RunAsync("dispatch with Idempotency-Key", dispatches, concurrency, 202, () => rig.DispatchAsync(Guid.NewGuid().ToString("N")));
            return (plain, keyed);
        }

        // (2) Memory of the real processes after the same read/list workload: fresh processes per phase, the small
        // archive and the full one alternated round by round as above.
        var (smallDb, smallPlan) = await LoadAsync(cluster, "nexus_gateway_bench_small", small, tenants);
        var memory = new List<(bool Full, (double Resident, double Peak) Gateway, (double Resident, double Peak) Operator, Throughput.Figures Get, Throughput.Figures List)>();
        for (var round = 0; round < rounds; round++)
            foreach (var isFull in round % 2 == 0 ? new[] { false, true } : [true, false])
            {
                var m = await MemoryAfterReadsAsync(isFull ? full : smallDb, isFull ? fullPlan : smallPlan, tenantNames, reads, concurrency);
                memory.Add((isFull, m.Gateway, m.Operator, m.Get, m.List));
                Console.WriteLine($"round {round + 1}, {(isFull ? archived : small):N0} archived: gateway {m.Gateway.Resident:N0} MB resident (peak {m.Gateway.Peak:N0}), " +
                                  $"operator {m.Operator.Resident:N0} MB (peak {m.Operator.Peak:N0}); GET p99 {m.Get.P99:N2} ms, first page p99 {m.List.P99:N2} ms");
            }

        Console.WriteLine();
        Console.WriteLine($"| dispatch, {concurrency} clients, {dispatches:N0} per phase | empty archive | {archived:N0} archived | full / empty | target |");
        Console.WriteLine("|---|---|---|---|---|");
        foreach (var (label, pick) in new (string, Func<(string, Throughput.Figures Plain, Throughput.Figures Keyed), Throughput.Figures>)[]
                     { ("dispatch/s", r => r.Plain), ("dispatch/s with Idempotency-Key", r => r.Keyed) })
        {
            var e = runs.Where(r => r.Archive == "empty").Select(r => pick(r).PerSecond).ToList();
            var f = runs.Where(r => r.Archive == "full").Select(r => pick(r).PerSecond).ToList();
            var ratio = f.Average() / e.Average();
            Console.WriteLine($"| {label} (mean of {e.Count}; each run) | {e.Average():N0} ({string.Join(", ", e.Select(x => x.ToString("N0")))}) | " +
                              $"{f.Average():N0} ({string.Join(", ", f.Select(x => x.ToString("N0")))}) | {ratio:N2} | ≥ 0.9 {(ratio >= 0.9 ? "MET" : "MISSED")} |");
        }
        Console.WriteLine();
        Console.WriteLine($"| after {reads:N0} GETs of archived jobs, {reads / 4:N0} first pages, {reads / 20:N0} keyset pages (mean of {rounds}; each run) | {small:N0} archived | {archived:N0} archived | ratio | target |");
        Console.WriteLine("|---|---|---|---|---|");
        void MemoryRow(string label, Func<(bool Full, (double Resident, double Peak) Gateway, (double Resident, double Peak) Operator, Throughput.Figures, Throughput.Figures), double> pick, bool target)
        {
            var s = memory.Where(m => !m.Full).Select(pick).ToList();
            var f = memory.Where(m => m.Full).Select(pick).ToList();
            var ratio = f.Average() / s.Average();
            Console.WriteLine($"| {label} | {s.Average():N0} MB ({string.Join(", ", s.Select(x => x.ToString("N0")))}) | {f.Average():N0} MB ({string.Join(", ", f.Select(x => x.ToString("N0")))}) | {ratio:N2} | " +
                              (target ? $"≤ 1.1 {(ratio <= 1.1 ? "MET" : "MISSED")} |" : "— |"));
        }
        MemoryRow("gateway process, VmRSS", m => m.Gateway.Resident, true);
        MemoryRow("gateway process, peak (VmHWM)", m => m.Gateway.Peak, false);
        MemoryRow("operator process, VmRSS", m => m.Operator.Resident, true);
        MemoryRow("operator process, peak (VmHWM)", m => m.Operator.Peak, false);
        string Latency(bool isFull, Func<(bool, (double, double), (double, double), Throughput.Figures Get, Throughput.Figures List), Throughput.Figures> pick) =>
            string.Join("; ", memory.Where(m => m.Full == isFull).Select(m => $"{pick(m).P50:N2} / {pick(m).P99:N2}")) + " ms";
        Console.WriteLine($"| GET archived job over HTTP, p50 / p99 | {Latency(false, m => m.Get)} | {Latency(true, m => m.Get)} | | |");
        Console.WriteLine($"| list first page (status=completed) over HTTP, p50 / p99 | {Latency(false, m => m.List)} | {Latency(true, m => m.List)} | | |");
        Console.WriteLine($"load average after: {File.ReadAllText("/proc/loadavg").Trim()}");
        return 0;
    }

    /// <summary>A fresh database with <paramref name="count"/> archived jobs, bulk-loaded and analysed.</summary>
    private static async Task<(string ConnectionString, LoadPlan Plan)> LoadAsync(BenchCluster cluster, string name, int count, int tenants)
    {
        var connectionString = await cluster.FreshDatabaseAsync(name);
        await using var db = new HistoryDatabase(new HistoryOptions { ConnectionString = connectionString });
        await db.MigrateAsync();
        var plan = new LoadPlan(count, tenants);
        var watch = Stopwatch.StartNew();
        var loaded = 0L;
        foreach (var chunk in plan.Chunks(50_000)) loaded += await db.Jobs.BulkImportAsync(chunk);
        await using (var analyse = db.DataSource.CreateCommand("ANALYZE jobs; ANALYZE job_results; CHECKPOINT"))
            await analyse.ExecuteNonQueryAsync();
        Console.WriteLine($"{name}: {loaded:N0} archived jobs bulk-loaded in {watch.Elapsed.TotalSeconds:N1} s");
        return (connectionString, plan);
    }

    private static async Task<((double Resident, double Peak) Gateway, (double Resident, double Peak) Operator, Throughput.Figures Get, Throughput.Figures List)> MemoryAfterReadsAsync(
        string db, LoadPlan plan, IReadOnlyList<string> tenantNames, int reads, int concurrency)
    {
        await using var kube = await KubeApiServer.KubeApiServer.StartAsync(new KubeApiServer.KubeApiServerOptions { CrdPaths = { Paths.Crds }, RecordRequests = false });
        var key = await GatewayRig.CreateKeyAsync(kube, tenantNames);
        var port = ServiceProcess.FreePort();
        using var gateway = ServiceProcess.Start("api-gateway", "Nexus.Gateway.dll", new Dictionary<string, string>
        {
            ["KUBECONFIG"] = kube.KubeconfigPath, ["NEXUS_DATABASE_URL"] = db, ["NEXUS_GATEWAY_URLS"] = $"http://127.0.0.1:{port}",
            ["NEXUS_GATEWAY_LOG_FORMAT"] = "simple", ["NEXUS_GATEWAY_LOG_LEVEL"] = "Warning",
            ["NEXUS_GATEWAY_RATE_LIMIT_PER_SECOND"] = Nexus.Gateway.RateLimiting.KeyRateLimit.MaxPerSecond.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["NEXUS_GATEWAY_RATE_LIMIT_BURST"] = Nexus.Gateway.RateLimiting.KeyRateLimit.MaxBurst.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        using var @operator = ServiceProcess.Start("operator", "Nexus.Operator.dll", new Dictionary<string, string>
        {
            ["NEXUS_KUBECONFIG"] = kube.KubeconfigPath, ["NEXUS_DATABASE_URL"] = db, ["NEXUS_OPERATOR_URL"] = "http://127.0.0.1:0", ["NEXUS_LOG_LEVEL"] = "Information",
        }, readyMarker: "leading:");
        await @operator.WaitReadyAsync(TimeSpan.FromMinutes(2));

        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = concurrency }) { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        await WaitServingAsync(http, gateway, TimeSpan.FromMinutes(2));

        var random = new Random(42);
        Task<HttpResponseMessage> Send(string tenant, string path)
        {
            var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.Add(Authenticator.TenantHeader, tenant);
            return http.SendAsync(request);
        }
        Task<HttpResponseMessage> Get()
        {
            (string Tenant, string Id) job;
            lock (random) job = plan.RandomJob(random);
            return Send(job.Tenant, $"/api/ai-jobs/{job.Id}");
        }
        Task<HttpResponseMessage> FirstPage()
        {
            string tenant;
            lock (random) tenant = plan.RandomTenant(random);
            return Send(tenant, "/api/ai-jobs?status=completed&limit=50");
        }
        for (var i = 0; i < 200; i++) (await Get()).Dispose();
        var get = await Throughput.RunAsync("GET archived", reads, concurrency, 200, Get);
        var list = await Throughput.RunAsync("first page", reads / 4, concurrency, 200, FirstPage);
        // Keyset pages of the large tenant's list, one after another, as a client walking it would.
        string? cursor = null;
        for (var i = 0; i < reads / 20; i++)
        {
            using var page = await Send(LoadPlan.LargeTenant, "/api/ai-jobs?status=completed&limit=50" + (cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor)));
            if (!page.IsSuccessStatusCode) throw new InvalidOperationException($"list page: {(int)page.StatusCode} {await page.Content.ReadAsStringAsync()}");
            using var doc = JsonDocument.Parse(await page.Content.ReadAsStringAsync());
            // At the list's end (no next_cursor) the walk starts again from the first page.
            cursor = doc.RootElement.GetProperty("pagination").TryGetProperty("next_cursor", out var next) && next.ValueKind == JsonValueKind.String
                ? next.GetString() : null;
        }
        // Both processes settle (the gateway's last requests, the operator's periodic work) before the reading.
        await Task.Delay(TimeSpan.FromSeconds(5));
        return (gateway.Memory(), @operator.Memory(), get, list);
    }

    private static async Task WaitServingAsync(HttpClient http, ServiceProcess gateway, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                var request = new HttpRequestMessage(HttpMethod.Get, "/api/ai-jobs?limit=1");
                request.Headers.Add(Authenticator.TenantHeader, "bench");
                using var response = await http.SendAsync(request);
                if (response.IsSuccessStatusCode) return;
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"the gateway process did not serve in time; last output:\n{gateway.Output()}");
            await Task.Delay(100);
        }
    }
}
