using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using k8s;
using k8s.Models;
using Nexus.Bench.History;
using Nexus.Crds.Entities;
using Nexus.Gateway.Auth;

namespace Nexus.Bench.Gateway;

/// <summary>
/// Event streams at scale: one real gateway process (its resident memory its own) serving N concurrent tenant streams
/// (<c>GET /api/ai-jobs/events</c>, spread over T tenants) while jobs change at R per second, each change a status
/// write to the Kubernetes API stand-in as the operator makes it. Measures the gateway's resident memory per open
/// stream (VmRSS with the streams open and idle, less before they opened, over N) and the delivery latency of each
/// event, from just before the status write to the moment the stream's client has read it (the write's timestamp
/// travels in the job's <c>started_at</c>).
/// </summary>
public static class StreamBench
{
    public static async Task<int> RunAsync(IReadOnlyDictionary<string, string> arg)
    {
        int Arg(string name, int fallback) => arg.TryGetValue(name, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
        var streams = Arg("streams", 2000);
        var rate = Arg("stream-rate", 200);
        var seconds = Arg("stream-seconds", 20);
        var tenantCount = Arg("stream-tenants", 100);
        var jobsPerTenant = Arg("stream-jobs", 5);
        var tenants = Enumerable.Range(0, tenantCount).Select(i => $"t{i:D3}").ToList();
        Console.WriteLine($"event streams: {streams} streams over {tenantCount} tenants, {rate} job changes/s for {seconds} s; " +
                          $"{Environment.ProcessorCount} cores; load average before: {File.ReadAllText("/proc/loadavg").Trim()}");

        await using var cluster = await BenchCluster.StartAsync();
        var db = await cluster.FreshDatabaseAsync("nexus_gateway_bench_streams");
        await using var kube = await KubeApiServer.KubeApiServer.StartAsync(new KubeApiServer.KubeApiServerOptions { CrdPaths = { Paths.Crds }, RecordRequests = false });
        var key = await GatewayRig.CreateKeyAsync(kube, tenants);
        var port = ServiceProcess.FreePort();
        using var gateway = ServiceProcess.Start("api-gateway", "Nexus.Gateway.dll", new Dictionary<string, string>
        {
            ["KUBECONFIG"] = kube.KubeconfigPath, ["NEXUS_DATABASE_URL"] = db, ["NEXUS_GATEWAY_URLS"] = $"http://127.0.0.1:{port}",
            ["NEXUS_GATEWAY_LOG_FORMAT"] = "simple", ["NEXUS_GATEWAY_LOG_LEVEL"] = "Warning",
            ["NEXUS_GATEWAY_RATE_LIMIT_PER_SECOND"] = Nexus.Gateway.RateLimiting.KeyRateLimit.MaxPerSecond.ToString(CultureInfo.InvariantCulture),
            ["NEXUS_GATEWAY_RATE_LIMIT_BURST"] = Nexus.Gateway.RateLimiting.KeyRateLimit.MaxBurst.ToString(CultureInfo.InvariantCulture),
            ["NEXUS_GATEWAY_MAX_QUEUED_JOBS"] = "10000000", ["NEXUS_GATEWAY_MAX_QUEUED_JOBS_PER_TENANT"] = "10000000",
            // Every stream is opened with one key: its cap is lifted, as the rate limit is.
            ["NEXUS_GATEWAY_EVENT_MAX_STREAMS_PER_KEY"] = "1000000",
        });
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = int.MaxValue, PooledConnectionIdleTimeout = TimeSpan.FromMinutes(10) })
        {
            BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = Timeout.InfiniteTimeSpan,
        };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        await WaitServingAsync(http, gateway, tenants[0], TimeSpan.FromMinutes(2));

        // The jobs that will change: dispatched through the API, then changed by status writes (Running, each with a
        // new startedAt: the view changes every time).
        var jobs = new List<string>();
        foreach (var tenant in tenants)
            for (var i = 0; i < jobsPerTenant; i++)
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, "/api/ai-jobs") { Content = new StringContent(GatewayRig.Body, Encoding.UTF8, "application/json") };
                request.Headers.Add(Authenticator.TenantHeader, tenant);
                using var response = await http.SendAsync(request);
                var text = await response.Content.ReadAsStringAsync();
                if ((int)response.StatusCode != 202) throw new InvalidOperationException($"dispatch: {(int)response.StatusCode} {text}");
                jobs.Add(ResourceIdsName(System.Text.Json.JsonDocument.Parse(text).RootElement.GetProperty("data").GetProperty("id").GetString()!));
            }
        await Task.Delay(TimeSpan.FromSeconds(3)); // let the gateway settle (JIT, first GCs) before the baseline
        var before = gateway.Memory();

        // Open every stream and wait until each has its opening message (it is then subscribed).
        var clients = new List<StreamClient>();
        var opened = Stopwatch.StartNew();
        for (var i = 0; i < streams; i++) clients.Add(await StreamClient.OpenAsync(http, tenants[i % tenants.Count]));
        await Task.WhenAll(clients.Select(c => c.Opened));
        var openSeconds = opened.Elapsed.TotalSeconds;
        await Task.Delay(TimeSpan.FromSeconds(3));
        var idle = gateway.Memory();

        // The load: `rate` status writes per second, round robin over the jobs (so over the tenants).
        using var kubeClient = kube.CreateClient();
        var clock = Stopwatch.StartNew();
        var total = rate * seconds;
        var inFlight = new SemaphoreSlim(32);
        var writes = new List<Task>();
        for (var n = 0; n < total; n++)
        {
            var due = TimeSpan.FromSeconds(n / (double)rate);
            if (due > clock.Elapsed) await Task.Delay(due - clock.Elapsed);
            await inFlight.WaitAsync();
            var name = jobs[n % jobs.Count];
            writes.Add(Task.Run(async () =>
            {
                try
                {
                    var patch = $$$"""{"status":{"phase":"Running","attempts":1,"startedAt":"{{{DateTime.UtcNow:yyyy-MM-ddTHH:mm:ss.fffZ}}}"}}""";
                    await kubeClient.CustomObjects.PatchNamespacedCustomObjectStatusAsync(new V1Patch(patch, V1Patch.PatchType.MergePatch),
                        NexusGroup.Group, NexusGroup.Version, "default", AiJob.Plural, name);
                }
                finally
                {
                    inFlight.Release();
                }
            }));
        }
        await Task.WhenAll(writes);
        var achieved = total / clock.Elapsed.TotalSeconds;
        var loaded = gateway.Memory();
        // Every stream of a tenant gets every change of its tenant's jobs: wait until they have (or a deadline).
        var expected = clients.Sum(c => (long)total / tenantCount);
        var drain = Stopwatch.StartNew();
        while (clients.Sum(c => (long)c.Received) < expected && drain.Elapsed < TimeSpan.FromSeconds(60)) await Task.Delay(100);
        var received = clients.Sum(c => (long)c.Received);
        var latencies = clients.SelectMany(c => c.Latencies).OrderBy(l => l).ToArray();
        var failed = clients.Count(c => c.Failure is not null);
        foreach (var c in clients) c.Dispose();

        double Pct(double p) => latencies.Length == 0 ? double.NaN : latencies[Math.Min(latencies.Length - 1, (int)(latencies.Length * p))];
        var perStreamKb = (idle.Resident - before.Resident) * 1024 / streams;
        Console.WriteLine($"streams opened: {streams} in {openSeconds:F1} s; failed: {failed}");
        Console.WriteLine($"gateway VmRSS: {before.Resident:F0} MB before, {idle.Resident:F0} MB with the streams open and idle, {loaded.Resident:F0} MB after the load (peak {loaded.Peak:F0} MB)");
        Console.WriteLine($"memory per stream: {perStreamKb:F1} KB (idle RSS delta / streams); under load: {(loaded.Resident - before.Resident) * 1024 / streams:F1} KB");
        Console.WriteLine($"job changes: {total} at {achieved:F0}/s (asked {rate}/s); events delivered: {received} of {expected} ({received / Math.Max(1, clock.Elapsed.TotalSeconds + drain.Elapsed.TotalSeconds):F0}/s)");
        Console.WriteLine($"delivery latency (write to client): p50 {Pct(0.5):F1} ms, p90 {Pct(0.9):F1} ms, p99 {Pct(0.99):F1} ms, max {Pct(1):F1} ms");
        Console.WriteLine($"load average after: {File.ReadAllText("/proc/loadavg").Trim()}");
        return received == expected && failed == 0 ? 0 : 1;
    }

    private static string ResourceIdsName(string id) => ResourceIds.TryJobNameFromId(id, out var name) ? name : id;

    private static async Task WaitServingAsync(HttpClient http, ServiceProcess gateway, string tenant, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, "/readyz");
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

    /// <summary>One tenant stream, read line by line; records each job event's latency from the started_at it carries.</summary>
    private sealed class StreamClient : IDisposable
    {
        private readonly TaskCompletionSource _opened = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly CancellationTokenSource _stop = new();
        private readonly List<double> _latencies = [];
        private HttpResponseMessage? _response;
        private int _received;

        public Task Opened => _opened.Task;
        public int Received => Volatile.Read(ref _received);
        public string? Failure { get; private set; }

        public List<double> Latencies
        {
            get { lock (_latencies) return [.. _latencies]; }
        }

        public static async Task<StreamClient> OpenAsync(HttpClient http, string tenant)
        {
            var client = new StreamClient();
            var request = new HttpRequestMessage(HttpMethod.Get, "/api/ai-jobs/events");
            request.Headers.Add(Authenticator.TenantHeader, tenant);
            client._response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            if ((int)client._response.StatusCode != 200)
                throw new InvalidOperationException($"stream refused: {(int)client._response.StatusCode} {await client._response.Content.ReadAsStringAsync()}");
            _ = client.ReadAsync(await client._response.Content.ReadAsStreamAsync());
            return client;
        }

        private async Task ReadAsync(Stream body)
        {
            const string marker = "\"started_at\":\"";
            try
            {
                using var reader = new StreamReader(body, Encoding.UTF8);
                while (await reader.ReadLineAsync(_stop.Token) is { } line)
                {
                    if (line.Length == 0) { _opened.TrySetResult(); continue; }
                    if (!line.StartsWith("data: ", StringComparison.Ordinal)) continue;
                    var now = DateTime.UtcNow;
                    var at = line.IndexOf(marker, StringComparison.Ordinal);
                    if (at < 0) continue;
                    var stamp = DateTime.Parse(line.AsSpan(at + marker.Length, 24), CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);
                    lock (_latencies) _latencies.Add((now - stamp).TotalMilliseconds);
                    Interlocked.Increment(ref _received);
                }
            }
            catch (OperationCanceledException)
            {
            }
            catch (Exception e) when (e is IOException or HttpRequestException)
            {
                if (!_stop.IsCancellationRequested) Failure = e.Message;
            }
            _opened.TrySetResult();
        }

        public void Dispose()
        {
            _stop.Cancel();
            _response?.Dispose();
        }
    }
}
