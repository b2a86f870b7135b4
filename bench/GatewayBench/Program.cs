using Microsoft.Extensions.DependencyInjection;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using k8s;
using Nexus.Gateway;
using Nexus.Gateway.Auth;
using Nexus.KubeApiServer;

// Usage: GatewayBench [dispatches=3000] [polls=30000] [concurrency=8]
var dispatches = args.Length > 0 ? int.Parse(args[0]) : 3000;
var polls = args.Length > 1 ? int.Parse(args[1]) : 30000;
var concurrency = args.Length > 2 ? int.Parse(args[2]) : 8;
var crds = FindUp("crds");

await using var kube = await KubeApiServer.StartAsync(new KubeApiServerOptions { CrdPaths = { crds }, RecordRequests = false });
await using var gateway = await GatewayApp.StartAsync(new GatewayOptions
{
    Urls = "http://127.0.0.1:0", KubeconfigPath = kube.KubeconfigPath, LogFormat = "none",
    MaxQueuedJobs = 10_000_000, MaxQueuedJobsPerTenant = 10_000_000,
    // The gateway requires its history database.
    DatabaseUrl = Environment.GetEnvironmentVariable("NEXUS_DATABASE_URL")
                  ?? throw new InvalidOperationException("set NEXUS_DATABASE_URL (scripts/postgres.sh start DIR prints one)"),
    // One key drives the whole benchmark: its rate limit must not be what is measured.
    RateLimitPerSecond = Nexus.Gateway.RateLimiting.KeyRateLimit.MaxPerSecond, RateLimitBurst = Nexus.Gateway.RateLimiting.KeyRateLimit.MaxBurst,
});
await gateway.WaitReadyAsync(TimeSpan.FromSeconds(30));

var key = ApiKeyFormat.NewKey();
using (var client = kube.CreateClient())
    await client.CoreV1.CreateNamespacedSecretAsync(ApiKeySecret.Build("bench", ApiKeyFormat.Hash(key), ["bench"], ["ai-jobs:read", "ai-jobs:write"], null), "default");
var keys = gateway.Services.GetRequiredService<ApiKeyCache>();
while (keys.FindByKey(key) is null) await Task.Delay(10);

using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = concurrency }) { BaseAddress = gateway.BaseAddress };
http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
const string body = """{"type":"pricing_recalculate","params":{"skus":["SKU-001","SKU-002"],"marketplace":"amazon_us","apply":false},"priority":"normal"}""";

// Polls go round-robin over every job the warm-up dispatched, so they read many cache entries, not one hot job.
var jobIds = new List<string>();
var nextPoll = -1;
async Task<HttpResponseMessage> Dispatch() => await http.PostAsync("/api/ai-jobs", new StringContent(body, Encoding.UTF8, "application/json"));
async Task<HttpResponseMessage> Poll() => await http.GetAsync($"/api/ai-jobs/{jobIds[(int)((uint)Interlocked.Increment(ref nextPoll) % (uint)jobIds.Count)]}");

// Warm-up: JIT, connection pool, caches.
for (var i = 0; i < 200; i++)
{
    using var r = await Dispatch();
    if ((int)r.StatusCode != 202) throw new InvalidOperationException($"dispatch failed: {(int)r.StatusCode} {await r.Content.ReadAsStringAsync()}");
    jobIds.Add(System.Text.Json.JsonDocument.Parse(await r.Content.ReadAsStringAsync()).RootElement.GetProperty("data").GetProperty("id").GetString()!);
}
for (var i = 0; i < 1000; i++) (await Poll()).Dispose();

var dispatch = await Run("dispatch", dispatches, 202, Dispatch);
var poll = await Run("poll", polls, 200, Poll);
Console.WriteLine($"dispatch: {dispatch.PerSecond:F0}/s (p50 {dispatch.P50:F2} ms, p99 {dispatch.P99:F2} ms) over {dispatches} requests, concurrency {concurrency}");
Console.WriteLine($"poll:     {poll.PerSecond:F0}/s (p50 {poll.P50:F2} ms, p99 {poll.P99:F2} ms) over {polls} requests, concurrency {concurrency}, spread over {jobIds.Count} jobs");
Console.WriteLine($"targets:  dispatch >= 1000/s {(dispatch.PerSecond >= 1000 ? "MET" : "MISSED")}; poll >= 5000/s {(poll.PerSecond >= 5000 ? "MET" : "MISSED")}, p99 < 5 ms {(poll.P99 < 5 ? "MET" : "MISSED")}");
return 0;

async Task<(double PerSecond, double P50, double P99)> Run(string name, int count, int expected, Func<Task<HttpResponseMessage>> send)
{
    var latencies = new double[count];
    var next = -1;
    var failures = 0;
    var clock = Stopwatch.StartNew();
    await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
    {
        int i;
        while ((i = Interlocked.Increment(ref next)) < count)
        {
            var start = Stopwatch.GetTimestamp();
            using var response = await send();
            await response.Content.LoadIntoBufferAsync();
            latencies[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            if ((int)response.StatusCode != expected) Interlocked.Increment(ref failures);
        }
    }));
    clock.Stop();
    if (failures > 0) throw new InvalidOperationException($"{name}: {failures} requests did not answer {expected}");
    Array.Sort(latencies);
    return (count / clock.Elapsed.TotalSeconds, latencies[count / 2], latencies[(int)(count * 0.99)]);
}

static string FindUp(string name)
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        if (Directory.Exists(Path.Combine(dir.FullName, name)) && File.Exists(Path.Combine(dir.FullName, "NexusOperator.sln")))
            return Path.Combine(dir.FullName, name);
    throw new DirectoryNotFoundException(name);
}
