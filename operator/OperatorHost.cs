using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Nexus.Crds.Entities;
using Nexus.Operator.Archive;
using Nexus.Operator.Control;
using Nexus.Operator.Batches;
using Nexus.Operator.Dispatch;
using Nexus.Operator.Jobs;
using Nexus.Operator.Live;
using Nexus.Operator.Metrics;
using Nexus.Operator.Pools;
using Nexus.Shared;
using Nexus.Shared.History;
using Prometheus;

namespace Nexus.Operator;

/// <summary>
/// One operator replica: HTTP endpoints (/metrics, /healthz, /readyz), leader election, and — while leading —
/// the informers and controllers. Several can run in one process (each has its own registry and clients).
/// </summary>
public sealed class OperatorHost : IAsyncDisposable
{
    private readonly WebApplication _web;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _run;
    private volatile LeadershipTerm? _term;
    private volatile bool _ready;

    private readonly Task _migrate;

    private OperatorHost(OperatorOptions options, TimeProvider time, WebApplication web, KubeApi api, HistoryDatabase history,
        OperatorMetrics metrics, ILoggerFactory logs)
    {
        Options = options;
        History = history;
        Startup = new HistoryStartup(history, options, time, logs.CreateLogger("Nexus.Operator.History"));
        _migrate = Task.Run(() => Startup.RunAsync(_stop.Token));
        Time = time;
        _web = web;
        Api = api;
        Metrics = metrics;
        Logs = logs;
        Elector = new LeaderElector(api, options, time, logs.CreateLogger("Nexus.Operator.Leader"));
        Elector.LeadershipChanged += leading => metrics.IsLeader.Set(leading ? 1 : 0);
        Url = web.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        _run = Task.Run(() => RunAsync(_stop.Token));
    }

    public OperatorOptions Options { get; }
    /// <summary>The clock every component reads (a fake one in tests of timeouts and leases).</summary>
    public TimeProvider Time { get; }
    public KubeApi Api { get; }
    public OperatorMetrics Metrics { get; }
    /// <summary>The history database of this process (one pool for every component).</summary>
    public HistoryDatabase History { get; }
    /// <summary>The schema migration at start: readiness and archive writes wait on it.</summary>
    public HistoryStartup Startup { get; }
    public ILoggerFactory Logs { get; }
    public LeaderElector Elector { get; }
    /// <summary>The HTTP base URL (with the real port when started on port 0).</summary>
    public string Url { get; }
    public bool IsLeader => Elector.IsLeader;
    /// <summary>The state of the current leadership term; null while standing by.</summary>
    public LeadershipTerm? Term => _term;

    public static Task<OperatorHost> StartAsync(OperatorOptions options, CancellationToken ct = default) =>
        StartAsync(options, TimeProvider.System, ct);

    public static async Task<OperatorHost> StartAsync(OperatorOptions options, TimeProvider time, CancellationToken ct = default)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = typeof(OperatorHost).Assembly.GetName().Name });
        builder.WebHost.UseUrls(options.ListenUrl);
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss.fff "; });
        builder.Logging.SetMinimumLevel(options.LogLevel);
        // Probes and scrapes arrive every few seconds: per-request hosting logs would drown the operator's own.
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("System.Net.Http", LogLevel.Warning);
        var web = builder.Build();
        var metrics = new OperatorMetrics();
        OperatorHost? host = null;
        web.MapGet("/healthz", () => Results.Text("ok"));
        // Not ready while the API server has been unreachable past a short grace, or before the history database is
        // migrated; liveness stays up (a restart would bring neither back).
        web.MapGet("/readyz", () => host is not { _ready: true } ? Results.Text("starting", statusCode: 503)
            : !host.Api.Health.IsReady ? Results.Text("the Kubernetes API server is unreachable: " + host.Api.Health.LastError, statusCode: 503)
            : !host.Startup.IsMigrated ? Results.Text("waiting for the history database", statusCode: 503)
            : Results.Text("ok"));
        web.MapMetrics("/metrics", metrics.Registry);
        await web.StartAsync(ct);
        if (string.IsNullOrWhiteSpace(options.DatabaseUrl))
            throw new ArgumentException($"the history database is required: set {HistoryOptions.UrlVariable}", nameof(options));
        var history = new HistoryDatabase(options.ForHistory());
        var api = new KubeApi(KubeApi.LoadConfig(options.Kubeconfig));
        host = new OperatorHost(options, time, web, api, history, metrics, web.Services.GetRequiredService<ILoggerFactory>());
        return host;
    }

    private async Task RunAsync(CancellationToken ct)
    {
        _ready = true;
        // A standby replica sends nothing but lease reads: the probe keeps its readiness true to the API server.
        var probe = new ApiServerProbe(Api).RunAsync(ct);
        try
        {
            await Elector.RunAsync(LeadAsync, ct);
        }
        catch (OperationCanceledException)
        {
        }
        await probe;
    }

    /// <summary>One leadership term: fresh caches and controllers, all stopped when the term ends.</summary>
    private async Task LeadAsync(CancellationToken ct)
    {
        var log = Logs.CreateLogger("Nexus.Operator");
        var events = new EventRecorder(Api, Options, Logs.CreateLogger<EventRecorder>());
        using var workers = new WorkerClient(Options.WorkerRequestTimeout, Options.ResultMaxBytes);
        var jobs = new Informer<AiJob>(Api, ResourceKind.AiJob, Options.ForInformers() with { Trim = SlimCache.Trim },
            Logs.CreateLogger("Nexus.Operator.Informer.aijobs"));
        var batches = new Informer<AiJobBatch>(Api, ResourceKind.AiJobBatch, Options.ForInformers(), Logs.CreateLogger("Nexus.Operator.Informer.aijobbatches"));
        var pools = new Informer<WorkerPool>(Api, ResourceKind.WorkerPool, Options.ForInformers(), Logs.CreateLogger("Nexus.Operator.Informer.workerpools"));
        var quotaInformer = new Informer<TenantQuota>(Api, ResourceKind.TenantQuota, Options.ForInformers(), Logs.CreateLogger("Nexus.Operator.Informer.tenantquotas"));
        var quotas = new TenantQuotaBook(quotaInformer);
        var registry = new PoolRegistry();
        var stats = new JobStats();
        jobs.Changed += stats.Apply;
        CountRestarts(h => jobs.Restarted += h, OperatorMetrics.Kinds.AiJob);
        CountRestarts(h => batches.Restarted += h, OperatorMetrics.Kinds.AiJobBatch);
        CountRestarts(h => pools.Restarted += h, OperatorMetrics.Kinds.WorkerPool);

        var writer = new JobStatusWriter(Api, jobs, Options, Metrics.StatusWrites);
        var outcomes = new OutcomeWriter(jobs, writer, History.Jobs, events, Metrics, Options, Time);
        var live = new LiveRelay((signals, c) => History.Live.UpsertAsync(signals, c), Logs.CreateLogger<LiveRelay>(),
            rows => { Metrics.LiveRowsWritten.Inc(rows); Metrics.LiveFlushes.WithLabels("success").Inc(); },
            () => Metrics.LiveFlushes.WithLabels("error").Inc());
        jobs.Changed += (old, @new) =>
        {
            if (@new is null) live.Forget(old!.Metadata.Name);
            else if (JobPhases.IsTerminal(@new.Status?.Phase)) live.Forget(@new.Metadata.Name);
        };
        var runner = new JobRunner(jobs, writer, new WorkerAttempt(workers, registry, Metrics, Options, Time, live), outcomes,
            registry, events, Metrics, Options, Time, Logs.CreateLogger<JobRunner>());
        var scheduler = new SlotScheduler(Options.AgingThreshold, registry, runner, Time, quotas);
        var archiver = new JobArchiver(jobs, writer, History.Jobs, Startup, events, Metrics, Options, Time, Logs.CreateLogger<JobArchiver>());
        var jobController = new JobController(jobs, new JobDependencies(jobs, batches, Api, History.Jobs, Options), Api, writer, scheduler, runner,
            archiver, events, Metrics, Options, Time, Logs.CreateLogger<JobController>());
        var batchController = new BatchController(batches, jobs, Api, History.Jobs, Startup, events, Metrics, Options, Time, Logs.CreateLogger<BatchController>());
        var sweeper = new HistorySweeper(History, Startup, Metrics, Options, Time, Logs.CreateLogger<HistorySweeper>());
        var poolController = new PoolController(pools, registry, workers, stats, Api, events, Metrics, Options, Time, Logs.CreateLogger<PoolController>());
        var term = new LeadershipTerm(jobs, batches, pools, registry, stats, runner, scheduler, archiver, batchController);
        Metrics.Registry.AddBeforeCollectCallback(() => PublishJobGauges(term));

        var tasks = new List<Task> { jobs.RunAsync(ct), batches.RunAsync(ct), pools.RunAsync(ct), quotaInformer.RunAsync(ct), events.RunAsync(ct) };
        try
        {
            // Quotas before the first claim, so no tenant is claimed past its limit or weight while they load.
            await Task.WhenAll(jobs.WaitForSyncAsync(ct), batches.WaitForSyncAsync(ct), pools.WaitForSyncAsync(ct), quotaInformer.WaitForSyncAsync(ct));
            // Pools first, so running jobs re-attach to known instances and claims see real capacity.
            var poolsRun = poolController.RunAsync(ct);
            await WaitForPoolsAsync(pools, registry, ct);
            tasks.Add(poolsRun);
            tasks.Add(scheduler.RunAsync(ct));
            tasks.Add(jobController.RunAsync(ct));
            tasks.Add(batchController.RunAsync(ct));
            tasks.Add(archiver.RunAsync(ct));
            tasks.Add(sweeper.RunAsync(ct));
            tasks.Add(live.RunAsync(() => Startup.IsMigrated ? scheduler.Positions(Time.GetUtcNow().UtcDateTime, Options.QueuePositionLimit) : new Dictionary<string, QueuePlace>(),
                Options.LiveFlushInterval, Time, ct));
            _term = term;
            log.LogInformation("leading: {Jobs} jobs, {Batches} batches, {Pools} pools cached", jobs.Count, batches.Count, pools.Count);
            await Task.WhenAll(tasks);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        finally
        {
            _term = null;
            try { await Task.WhenAll(tasks); } catch (OperationCanceledException) { }
        }
    }

    private void CountRestarts(Action<Action> hook, string kind)
    {
        var counter = Metrics.WatchRestarts.WithLabels(kind);
        hook(() => counter.Inc());
    }

    private static async Task WaitForPoolsAsync(Informer<WorkerPool> pools, PoolRegistry registry, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        var expected = pools.Count;
        while (expected > 0 && registry.Snapshot().Count < expected && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20, ct);
        }
    }

    private void PublishJobGauges(LeadershipTerm term)
    {
        if (!ReferenceEquals(_term, term) && _term is not null) return;
        foreach (var ((phase, type, priority), n) in term.Stats.Counts()) Metrics.Jobs.WithLabels(phase.ToLowerInvariant(), type, priority).Set(n);
        Metrics.ArchiveBacklog.WithLabels(OperatorMetrics.Kinds.AiJob).Set(term.Archiver.Backlog);
        Metrics.ArchiveBacklog.WithLabels(OperatorMetrics.Kinds.AiJobBatch).Set(term.BatchController.Backlog);
        var now = Time.GetUtcNow().UtcDateTime;
        foreach (var type in JobTypes.All)
        {
            var oldest = term.Stats.OldestQueued(type);
            Metrics.OldestQueued.WithLabels(type).Set(oldest is { } o ? Math.Max(0, (now - o).TotalSeconds) : 0);
        }
    }

    public async Task StopAsync()
    {
        if (!_stop.IsCancellationRequested) _stop.Cancel();
        try { await _run; } catch (OperationCanceledException) { }
        try { await _migrate; } catch (OperationCanceledException) { }
        await _web.StopAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        await _web.DisposeAsync();
        await History.DisposeAsync();
        Api.Dispose();
        _stop.Dispose();
    }
}
