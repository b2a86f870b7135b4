using k8s.Models;
using Nexus.Crds.Entities;
using Nexus.Operator;
using Nexus.Shared;
using Nexus.Tests.Operator.Support;
using Nexus.Tests.Support;

namespace Nexus.Tests.Operator;

/// <summary>
/// The operator while its API server is away and after it returns (restarted on the same address with its state):
/// /readyz is 503 during the outage and 200 after it, /healthz stays 200 throughout, and jobs created once the server
/// is back run exactly once.
/// </summary>
public sealed class OperatorReadinessTests
{
    private const string Ns = "default";

    [Fact]
    public async Task Readiness_follows_the_api_server_liveness_does_not_and_new_jobs_run_once_it_is_back()
    {
        var dataFile = Path.Combine(Path.GetTempPath(), $"nexus-op-restart-{Guid.NewGuid():N}.wal");
        await using var standIn = await RestartableStandIn.StartAsync(o => o.DataFile = dataFile);
        await using var worker = await FakeWorker.StartAsync();
        using var api = new KubeApi(KubeApi.LoadConfig(standIn.KubeconfigPath));
        await api.CreateAsync(ResourceKind.WorkerPool.Collection(Ns), new WorkerPool
        {
            Metadata = new V1ObjectMeta { Name = "pool", NamespaceProperty = Ns },
            Spec = new WorkerPoolSpec { JobTypes = JobTypes.All.ToList(), StaticEndpoints = [worker.Url], ConcurrencyPerReplica = 4, MaxReplicas = 1 },
        }, default);
        var database = await (await PostgresServer.SharedAsync()).CreateDatabaseAsync("op-readiness");
        await using var op = await OperatorHost.StartAsync(new OperatorOptions
        {
            DatabaseUrl = database,
            Namespace = Ns, Kubeconfig = standIn.KubeconfigPath, ListenUrl = "http://127.0.0.1:0", Identity = "op-readiness",
            LeaseDuration = TimeSpan.FromSeconds(3), RenewDeadline = TimeSpan.FromSeconds(2), RetryPeriod = TimeSpan.FromMilliseconds(300),
            WatchStallTimeout = TimeSpan.FromSeconds(10), WatchReconnectMinDelay = TimeSpan.FromMilliseconds(50),
            WatchReconnectMaxDelay = TimeSpan.FromSeconds(1), PoolResyncInterval = TimeSpan.FromMilliseconds(200),
            PollInterval = TimeSpan.FromMilliseconds(100), InitialStatusDelay = TimeSpan.FromMilliseconds(200),
            RetryBaseDelay = TimeSpan.FromMilliseconds(100), RetryMaxDelay = TimeSpan.FromSeconds(1), WorkerRequestTimeout = TimeSpan.FromSeconds(5),
        });
        using var http = new HttpClient { BaseAddress = new Uri(op.Url), Timeout = TimeSpan.FromSeconds(30) };
        async Task<int> Probe(string path) => (int)(await http.GetAsync(path)).StatusCode;

        await Wait.UntilAsync(() => op.Term is not null, "the operator to lead", TimeSpan.FromSeconds(20));
        var before = await ApiServerRestartTests.CreateJobAsync(standIn.KubeconfigPath);
        await WaitCompletedAsync(api, before.Metadata.Name);
        // Ready also waits for the history database's migrations, which claiming jobs does not: on a busy machine
        // the first job can finish first.
        await Wait.UntilAsync(async () => await Probe("/readyz") == 200, "the operator to be ready", TimeSpan.FromSeconds(20));

        await standIn.StopAsync();
        await Wait.UntilAsync(async () => await Probe("/readyz") == 503, "readiness to turn false past the grace",
            ApiServerHealth.DefaultGrace + TimeSpan.FromSeconds(15));
        Assert.Equal(200, await Probe("/healthz"));

        await standIn.StartAgainAsync();
        await Wait.UntilAsync(async () => await Probe("/readyz") == 200, "readiness back", TimeSpan.FromSeconds(20));
        Assert.Equal(200, await Probe("/healthz"));
        var after = await ApiServerRestartTests.CreateJobAsync(standIn.KubeconfigPath);
        await WaitCompletedAsync(api, after.Metadata.Name, TimeSpan.FromSeconds(45));
        Assert.Single(worker.Submissions, s => s.Id == after.Metadata.Name);
        Assert.Single(worker.Submissions, s => s.Id == before.Metadata.Name);
        await standIn.StopAsync();
        File.Delete(dataFile);
    }

    private static Task WaitCompletedAsync(KubeApi api, string name, TimeSpan? timeout = null) =>
        Wait.UntilAsync(async () =>
        {
            try
            {
                return (await api.GetAsync<AiJob>(ResourceKind.AiJob.Item(Ns, name), default))?.Status?.Phase == JobPhases.Completed;
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }, $"{name} to complete", timeout);
}
