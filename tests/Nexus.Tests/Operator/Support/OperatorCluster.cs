using System.Text.Json;
using k8s.Models;
using Nexus.Crds.Entities;
using Nexus.Operator;
using Nexus.Shared;
using Nexus.Shared.History;
using Nexus.Tests.Support;
using StandIn = Nexus.KubeApiServer.KubeApiServer;
using StandInOptions = Nexus.KubeApiServer.KubeApiServerOptions;

namespace Nexus.Tests.Operator.Support;

/// <summary>
/// The Kubernetes API stand-in with the CRDs applied, fake workers, and operator replicas started in-process
/// against it over real HTTP, with short timings so tests run quickly. Every cluster has a fresh history database of
/// its own on a real PostgreSQL (the test run's shared server, or one the test owns and may stop).
/// </summary>
public sealed class OperatorCluster : IAsyncDisposable
{
    public const string Ns = "default";
    private readonly List<OperatorHost> _operators = [];

    private OperatorCluster(StandIn server, KubeApi api, PostgresServer database, string databaseUrl)
    {
        Server = server;
        Api = api;
        Database = database;
        DatabaseUrl = databaseUrl;
        History = new HistoryDatabase(new HistoryOptions { ConnectionString = databaseUrl });
    }

    public StandIn Server { get; }
    /// <summary>The PostgreSQL server the history database is on.</summary>
    public PostgresServer Database { get; }
    /// <summary>This cluster's own database (what the operators get as NEXUS_DATABASE_URL).</summary>
    public string DatabaseUrl { get; }
    /// <summary>A client of the tests' own of the history database, for reading what the operators archived.</summary>
    public HistoryDatabase History { get; }
    /// <summary>A client of the tests' own, for creating and reading objects.</summary>
    public KubeApi Api { get; }
    public List<FakeWorker> Workers { get; } = [];
    public IReadOnlyList<OperatorHost> Operators => _operators;
    public Func<OperatorOptions, OperatorOptions> Tune { get; set; } = o => o;

    /// <param name="database">A PostgreSQL server of the test's own (one it may stop and start); the shared one when null.</param>
    public static async Task<OperatorCluster> StartAsync(int workers = 1, StandInOptions? serverOptions = null, PostgresServer? database = null)
    {
        serverOptions ??= new StandInOptions();
        serverOptions.CrdPaths.Add(RepoPaths.Of("crds"));
        serverOptions.RecordRequests = false;
        database ??= await PostgresServer.SharedAsync();
        var databaseUrl = await database.CreateDatabaseAsync("operator");
        var server = await StandIn.StartAsync(serverOptions);
        var cluster = new OperatorCluster(server, new KubeApi(server.ClientConfiguration()), database, databaseUrl);
        for (var i = 0; i < workers; i++) cluster.Workers.Add(await FakeWorker.StartAsync());
        return cluster;
    }

    public OperatorOptions Options(string? identity = null) => Tune(new OperatorOptions
    {
        Namespace = Ns,
        Kubeconfig = Server.KubeconfigPath,
        ListenUrl = "http://127.0.0.1:0",
        Identity = identity ?? $"op-{Guid.NewGuid():N}"[..11],
        DatabaseUrl = DatabaseUrl,
        ArchiveRetryBaseDelay = TimeSpan.FromMilliseconds(100),
        ArchiveRetryMaxDelay = TimeSpan.FromSeconds(1),
        LeaseDuration = TimeSpan.FromSeconds(3),
        RenewDeadline = TimeSpan.FromSeconds(2),
        RetryPeriod = TimeSpan.FromMilliseconds(300),
        WatchStallTimeout = TimeSpan.FromSeconds(10),
        WatchReconnectMinDelay = TimeSpan.FromMilliseconds(50),
        WatchReconnectMaxDelay = TimeSpan.FromSeconds(1),
        PoolResyncInterval = TimeSpan.FromMilliseconds(200),
        PollInterval = TimeSpan.FromMilliseconds(100),
        InitialStatusDelay = TimeSpan.FromMilliseconds(200),
        RetryBaseDelay = TimeSpan.FromMilliseconds(100),
        RetryMaxDelay = TimeSpan.FromSeconds(1),
        WorkerRequestTimeout = TimeSpan.FromSeconds(5),
    });

    public async Task<OperatorHost> StartOperatorAsync(OperatorOptions? options = null)
    {
        var host = await OperatorHost.StartAsync(options ?? Options());
        _operators.Add(host);
        return host;
    }

    /// <summary>Starts one operator and waits until it leads with caches synced and its history database migrated.</summary>
    public async Task<OperatorHost> StartLeaderAsync(OperatorOptions? options = null)
    {
        var host = await StartOperatorAsync(options);
        await Wait.UntilAsync(() => host.Term is not null && host.Startup.IsMigrated, "operator to lead", TimeSpan.FromSeconds(20));
        return host;
    }

    public async Task<WorkerPool> CreatePoolAsync(string name, IEnumerable<string>? types = null, IEnumerable<FakeWorker>? workers = null,
        int concurrency = 4, string? deployment = null, int min = 0, int max = 10, int scaleDownDelaySeconds = 300)
    {
        var pool = new WorkerPool
        {
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = Ns },
            Spec = new WorkerPoolSpec
            {
                JobTypes = (types ?? JobTypes.All).ToList(),
                StaticEndpoints = deployment is null ? (workers ?? Workers).Select(w => w.Url).ToList() : null,
                Deployment = deployment is null ? null : new WorkerPoolObjectRef { Name = deployment },
                ConcurrencyPerReplica = concurrency,
                MinReplicas = min,
                MaxReplicas = max,
                ScaleDownDelaySeconds = scaleDownDelaySeconds,
            },
        };
        return await Api.CreateAsync(ResourceKind.WorkerPool.Collection(Ns), pool, default);
    }

    public async Task<AiJob> CreateJobAsync(string? name = null, string type = JobTypes.PricingRecalculate, string tenant = "acme",
        string priority = Priorities.Normal, object? parameters = null, int? timeoutSeconds = null, int maxRetries = 2,
        List<string>? dependsOn = null)
    {
        name ??= ResourceIds.NewJobName();
        var job = new AiJob
        {
            Metadata = new V1ObjectMeta
            {
                Name = name,
                NamespaceProperty = Ns,
                Labels = new Dictionary<string, string>
                {
                    [NexusGroup.TenantLabel] = tenant, [NexusGroup.JobTypeLabel] = type, [NexusGroup.PriorityLabel] = priority,
                },
            },
            Spec = new AiJobSpec
            {
                Type = type,
                Tenant = tenant,
                Priority = priority,
                Params = JsonSerializer.SerializeToElement(parameters ?? new { skus = new[] { "A-1" } }),
                TimeoutSeconds = timeoutSeconds,
                MaxRetries = maxRetries,
                DependsOn = dependsOn,
            },
        };
        return await Api.CreateAsync(ResourceKind.AiJob.Collection(Ns), job, default);
    }

    public Task<AiJob?> GetJobAsync(string name) => Api.GetAsync<AiJob>(ResourceKind.AiJob.Item(Ns, name), default);

    public async Task<AiJob> WaitForPhaseAsync(string name, string phase, TimeSpan? timeout = null) =>
        await Wait.ForAsync(async () =>
        {
            var job = await GetJobAsync(name);
            return job?.Status?.Phase == phase ? job : null;
        }, $"{name} to be {phase}", timeout);

    /// <summary>What the gateway does: spec.cancel=true with a resourceVersion precondition.</summary>
    public async Task CancelAsync(string name)
    {
        var job = (await GetJobAsync(name))!;
        await Api.MergePatchAsync<AiJob>(ResourceKind.AiJob.Item(Ns, name),
            new { metadata = new { resourceVersion = job.Metadata.ResourceVersion }, spec = new { cancel = true } }, default);
    }

    public async Task<List<Corev1Event>> EventsForAsync(string name)
    {
        var list = await Api.GetAsync<Corev1EventList>(ResourceKind.Event.Collection(Ns) +
            $"?fieldSelector={Uri.EscapeDataString("involvedObject.name=" + name)}", default);
        return list?.Items.ToList() ?? [];
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var op in _operators)
        {
            try { await op.DisposeAsync(); } catch (ObjectDisposedException) { }
        }
        foreach (var w in Workers) await w.DisposeAsync();
        Api.Dispose();
        await Server.DisposeAsync();
        await History.DisposeAsync();
        try { await Database.DropDatabaseAsync(DatabaseUrl); }
        catch (Exception e) when (e is Npgsql.NpgsqlException) { } // a server the test stopped: it goes with its directory
    }

    /// <summary>The job as archived in the history database (by its REST id), with its result; null while it is not.</summary>
    public Task<ArchivedJob?> ArchivedAsync(string name, string tenant = "acme") =>
        History.Jobs.GetJobAsync(tenant, ResourceIds.JobIdFromName(name));

    /// <summary>The value of one series on an operator's /metrics, 0 when absent.</summary>
    public static async Task<double> MetricAsync(OperatorHost op, string series)
    {
        using var http = new HttpClient();
        var text = await http.GetStringAsync(op.Url + "/metrics");
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith(series + " ", StringComparison.Ordinal))
                return double.Parse(line[(series.Length + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        }
        return 0;
    }
}
