using Nexus.Bench.Gateway;

// Usage: GatewayBench [dispatches=3000] [polls=30000] [concurrency=8]
//    or: GatewayBench --archive=1000000 [--tenants=100] [--dispatches=3000] [--concurrency=8] [--rounds=2] [--small=10000] [--reads=4000]
//    or: GatewayBench --streams=2000 [--stream-rate=200] [--stream-seconds=20] [--stream-tenants=100] [--stream-jobs=5]
// Each form takes a fresh database on NEXUS_DATABASE_URL's server when it is set, else on a PostgreSQL of its own.
var named = args.Where(a => a.StartsWith("--", StringComparison.Ordinal)).Select(a => a[2..].Split('=', 2))
    .ToDictionary(p => p[0], p => p.Length == 2 ? p[1] : "", StringComparer.Ordinal);
if (named.ContainsKey("archive")) return await ArchiveComparison.RunAsync(named);
if (named.ContainsKey("streams")) return await StreamBench.RunAsync(named);

var dispatches = args.Length > 0 ? int.Parse(args[0]) : 3000;
var polls = args.Length > 1 ? int.Parse(args[1]) : 30000;
var concurrency = args.Length > 2 ? int.Parse(args[2]) : 8;

// The gateway requires its history database.
await using var cluster = await Nexus.Bench.History.BenchCluster.StartAsync();
var database = await cluster.FreshDatabaseAsync("nexus_gateway_bench_throughput");
await using var rig = await GatewayRig.StartAsync(database, concurrency, ["bench"]);

// Polls go round-robin over every job the warm-up dispatched, so they read many cache entries, not one hot job.
var jobIds = new List<string>();
var nextPoll = -1;
Task<HttpResponseMessage> Poll() => rig.Http.GetAsync($"/api/ai-jobs/{jobIds[(int)((uint)Interlocked.Increment(ref nextPoll) % (uint)jobIds.Count)]}");

// Warm-up: JIT, connection pool, caches.
for (var i = 0; i < 200; i++)
{
    using var r = await rig.DispatchAsync();
    if ((int)r.StatusCode != 202) throw new InvalidOperationException($"dispatch failed: {(int)r.StatusCode} {await r.Content.ReadAsStringAsync()}");
    jobIds.Add(System.Text.Json.JsonDocument.Parse(await r.Content.ReadAsStringAsync()).RootElement.GetProperty("data").GetProperty("id").GetString()!);
}
for (var i = 0; i < 1000; i++) (await Poll()).Dispose();

var dispatch = await Throughput.RunAsync("dispatch", dispatches, concurrency, 202, () => rig.DispatchAsync());
var poll = await Throughput.RunAsync("poll", polls, concurrency, 200, Poll);
Console.WriteLine($"dispatch: {dispatch.PerSecond:F0}/s (p50 {dispatch.P50:F2} ms, p99 {dispatch.P99:F2} ms) over {dispatches} requests, concurrency {concurrency}");
Console.WriteLine($"poll:     {poll.PerSecond:F0}/s (p50 {poll.P50:F2} ms, p99 {poll.P99:F2} ms) over {polls} requests, concurrency {concurrency}, spread over {jobIds.Count} jobs");
Console.WriteLine($"targets:  dispatch >= 1000/s {(dispatch.PerSecond >= 1000 ? "MET" : "MISSED")}; poll >= 5000/s {(poll.PerSecond >= 5000 ? "MET" : "MISSED")}, p99 < 5 ms {(poll.P99 < 5 ? "MET" : "MISSED")}");
return 0;
