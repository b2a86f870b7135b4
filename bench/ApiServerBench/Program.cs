using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using Nexus.KubeApiServer;

// Usage: dotnet run -c Release --project bench/ApiServerBench -- [creates=20000] [events=100000] [crdDir=crds]
var creates = args.Length > 0 ? int.Parse(args[0]) : 20_000;
var events = args.Length > 1 ? int.Parse(args[1]) : 100_000;
var crds = args.Length > 2 ? args[2] : "crds";
const int Callers = 16;

await using var server = await KubeApiServer.StartAsync(new KubeApiServerOptions { CrdPaths = { crds }, RecordRequests = false });

JsonObject Job(string name) => new()
{
    ["apiVersion"] = "nexus.ai/v1",
    ["kind"] = "AiJob",
    ["metadata"] = new JsonObject { ["name"] = name, ["labels"] = new JsonObject { ["nexus.ai/tenant"] = "bench" } },
    ["spec"] = new JsonObject { ["type"] = "pricing_recalculate", ["tenant"] = "bench", ["params"] = new JsonObject { ["skus"] = new JsonArray("SKU-1") } },
};

// 1. Creates/s: 16 concurrent callers, each with its own KubernetesClient, creating AiJobs (schema-validated, defaulted).
var clients = Enumerable.Range(0, Callers).Select(_ => server.CreateClient()).ToArray();
await clients[0].CustomObjects.CreateNamespacedCustomObjectAsync(Job("warmup"), "nexus.ai", "v1", "default", "aijobs");
var next = 0;
var sw = Stopwatch.StartNew();
await Task.WhenAll(clients.Select(async client =>
{
    int i;
    while ((i = Interlocked.Increment(ref next)) <= creates)
        await client.CustomObjects.CreateNamespacedCustomObjectAsync(Job($"job-{i}"), "nexus.ai", "v1", "default", "aijobs");
}));
sw.Stop();
Console.WriteLine($"creates: {creates} AiJobs by {Callers} concurrent KubernetesClient callers in {sw.Elapsed.TotalSeconds:F2}s = {creates / sw.Elapsed.TotalSeconds:F0} creates/s");

Console.WriteLine($"memory: {creates + 1} AiJobs live, {server.HistoryCount} changes in history: {Memory()}");

// 2. Watch events/s to one watcher: `events` status changes are written through the server's own write path
//    (in-process, timed separately), then one KubernetesClient watch from the resourceVersion before them receives
//    all of them: this isolates delivery (history replay, serialization, HTTP streaming, client decoding).
var fromRv = server.ResourceVersion.ToString();
sw.Restart();
await Task.WhenAll(Enumerable.Range(0, 2).Select(w => Task.Run(() =>
{
    for (var i = w; i < events; i += 2)
        server.MergePatch("nexus.ai", "v1", "aijobs", "default", $"job-{i % creates + 1}",
            "{\"status\":{\"attempts\":" + (i / creates % 1000 + 1) + "}}", "status");
})));
sw.Stop();
Console.WriteLine($"writes: {events} status writes (validated, in-process) in {sw.Elapsed.TotalSeconds:F2}s = {events / sw.Elapsed.TotalSeconds:F0} writes/s");

var received = 0;
var done = new TaskCompletionSource();
using var watchClient = server.CreateClient();
sw.Restart();
var response = watchClient.CustomObjects.ListNamespacedCustomObjectWithHttpMessagesAsync("nexus.ai", "v1", "default", "aijobs",
    resourceVersion: fromRv, watch: true);
#pragma warning disable CS0618
var watcher = response.Watch<JsonElement, object>((_, _) =>
{
    if (Interlocked.Increment(ref received) == events) done.TrySetResult();
}, e => done.TrySetException(e));
#pragma warning restore CS0618
await done.Task.WaitAsync(TimeSpan.FromMinutes(2));
sw.Stop();
Console.WriteLine($"watch: {events} events delivered to one KubernetesClient watcher in {sw.Elapsed.TotalSeconds:F2}s = {events / sw.Elapsed.TotalSeconds:F0} events/s");

// 3. Memory with the changes still in history, then after they are compacted (as the 5-minute compaction would;
//    the age is shortened here so the run does not wait 5 minutes). What is left is the live objects.
static string Memory()
{
    System.Runtime.GCSettings.LargeObjectHeapCompactionMode = System.Runtime.GCLargeObjectHeapCompactionMode.CompactOnce;
    GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
    GC.WaitForPendingFinalizers();
    GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
    using var self = Process.GetCurrentProcess();
    return $"managed heap {GC.GetTotalMemory(false) / 1048576.0:F0} MB, resident {self.WorkingSet64 / 1048576.0:F0} MB";
}
watcher.Dispose();
var retained = server.HistoryCount;
Console.WriteLine($"memory: {creates + 1} AiJobs live, {retained} changes in history: {Memory()}");
server.HistoryMaxAge = TimeSpan.FromMilliseconds(1);
var waitedFrom = Stopwatch.StartNew();
while (server.HistoryCount > 0 && waitedFrom.Elapsed < TimeSpan.FromSeconds(30)) await Task.Delay(20);
Console.WriteLine($"memory: {creates + 1} AiJobs live, {server.HistoryCount} changes in history after compaction: {Memory()}");
foreach (var c in clients) c.Dispose();
