using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Nexus.Crds.Entities;
using Nexus.Operator.Control;
using Nexus.Operator.Batches;
using Nexus.Operator.Dispatch;
using Nexus.Operator.Jobs;
using Nexus.Operator.Metrics;
using Nexus.Operator.Pools;
using Nexus.Shared;
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
    private volatile OperatorContext? _term;
    private volatile bool _ready;

    private OperatorHost(OperatorOptions options, WebApplication web, KubeApi api, OperatorMetrics metrics, ILoggerFactory logs)
    {
        Options = options;
        _web = web;
        Api = api;
        Metrics = metrics;
        Logs = logs;
        Elector = new LeaderElector(api, options, logs.CreateLogger("Nexus.Operator.Leader"));
        Elector.LeadershipChanged += leading => metrics.IsLeader.Set(leading ? 1 : 0);
        Url = web.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        _run = Task.Run(() => RunAsync(_stop.Token));
    }

    public OperatorOptions Options { get; }
    public KubeApi Api { get; }
    public OperatorMetrics Metrics { get; }
    public ILoggerFactory Logs { get; }
    public LeaderElector Elector { get; }
    /// <summary>The HTTP base URL (with the real port when started on port 0).</summary>
    public string Url { get; }
    public bool IsLeader => Elector.IsLeader;
    /// <summary>The state of the current leadership term; null while standing by.</summary>
    public OperatorContext? Term => _term;

    public static async Task<OperatorHost> StartAsync(OperatorOptions options, CancellationToken ct = default)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = typeof(OperatorHost).Assembly.GetName().Name });
        builder.WebHost.UseUrls(options.ListenUrl);
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss.fff "; });
        builder.Logging.SetMinimumLevel(Enum.TryParse<LogLevel>(Environment.GetEnvironmentVariable("NEXUS_LOG_LEVEL"), true, out var level) ? level : LogLevel.Information);
        // Probes and scrapes arrive every few seconds: per-request hosting logs would drown the operator's own.
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("System.Net.Http", LogLevel.Warning);
        var web = builder.Build();
        var metrics = new OperatorMetrics();
        OperatorHost? host = null;
        web.MapGet("/healthz", () => Results.Text("ok"));
        web.MapGet("/readyz", () => host is { _ready: true } ? Results.Text("ok") : Results.Text("starting", statusCode: 503));
        web.MapMetrics("/metrics", metrics.Registry);
        await web.StartAsync(ct);
        var api = new KubeApi(KubeApi.LoadConfig(options.Kubeconfig));
        host = new OperatorHost(options, web, api, metrics, web.Services.GetRequiredService<ILoggerFactory>());
        return host;
    }

    private async Task RunAsync(CancellationToken ct)
    {
        _ready = true;
        try
        {
            await Elector.RunAsync(LeadAsync, ct);
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>One leadership term: fresh caches and controllers, all stopped when the term ends.</summary>
    private async Task LeadAsync(CancellationToken ct)
    {
        var log = Logs.CreateLogger("Nexus.Operator");
        var ctx = new OperatorContext
        {
            Options = Options,
            Api = Api,
            Logs = Logs,
            Metrics = Metrics,
            Events = new EventRecorder(Api, Options, Logs.CreateLogger("Nexus.Operator.Events")),
            Workers = new WorkerClient(Options.WorkerRequestTimeout),
            Jobs = new Informer<AiJob>(Api, ResourceKind.AiJob, Options.ForInformers(), Logs.CreateLogger("Nexus.Operator.Informer.aijobs")),
            Batches = new Informer<AiJobBatch>(Api, ResourceKind.AiJobBatch, Options.ForInformers(), Logs.CreateLogger("Nexus.Operator.Informer.aijobbatches")),
            Pools = new Informer<WorkerPool>(Api, ResourceKind.WorkerPool, Options.ForInformers(), Logs.CreateLogger("Nexus.Operator.Informer.workerpools")),
            Registry = new PoolRegistry(),
            Stats = new JobStats(),
        };
        ctx.Jobs.Changed += ctx.Stats.Apply;
        foreach (var informer in new (Action<Action> Hook, string Kind)[]
                 {
                     (h => ctx.Jobs.Restarted += h, AiJob.KindName),
                     (h => ctx.Batches.Restarted += h, AiJobBatch.KindName),
                     (h => ctx.Pools.Restarted += h, WorkerPool.KindName),
                 })
        {
            var counter = Metrics.WatchRestarts.WithLabels(informer.Kind);
            informer.Hook(() => counter.Inc());
        }
        var writer = new JobStatusWriter(Api, ctx.Jobs, Options);
        var runner = new JobRunner(ctx, writer);
        var dispatcher = new Dispatcher(Options, ctx.Registry, runner);
        var jobs = new JobController(ctx, writer, dispatcher, runner);
        var batches = new BatchController(ctx);
        var pools = new PoolController(ctx);
        Metrics.Registry.AddBeforeCollectCallback(() => PublishJobGauges(ctx));

        var tasks = new List<Task>
        {
            ctx.Jobs.RunAsync(ct), ctx.Batches.RunAsync(ct), ctx.Pools.RunAsync(ct), ctx.Events.RunAsync(ct),
        };
        try
        {
            await Task.WhenAll(ctx.Jobs.WaitForSyncAsync(ct), ctx.Batches.WaitForSyncAsync(ct), ctx.Pools.WaitForSyncAsync(ct));
            // Pools first, so running jobs re-attach to known instances and claims see real capacity.
            var poolsRun = pools.RunAsync(ct);
            await WaitForPoolsAsync(ctx, ct);
            tasks.Add(poolsRun);
            tasks.Add(dispatcher.RunAsync(ct));
            tasks.Add(jobs.RunAsync(ct));
            tasks.Add(batches.RunAsync(ct));
            _term = ctx;
            log.LogInformation("leading: {Jobs} jobs, {Batches} batches, {Pools} pools cached", ctx.Jobs.Count, ctx.Batches.Count, ctx.Pools.Count);
            await Task.WhenAll(tasks);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        finally
        {
            _term = null;
            try { await Task.WhenAll(tasks); } catch (OperationCanceledException) { }
            ctx.Workers.Dispose();
        }
    }

    private static async Task WaitForPoolsAsync(OperatorContext ctx, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        var expected = ctx.Pools.Count;
        while (expected > 0 && ctx.Registry.Snapshot().Count < expected && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20, ct);
        }
    }

    private void PublishJobGauges(OperatorContext ctx)
    {
        if (!ReferenceEquals(_term, ctx) && _term is not null) return;
        foreach (var ((phase, type, priority), n) in ctx.Stats.Counts()) Metrics.Jobs.WithLabels(phase, type, priority).Set(n);
        var now = DateTime.UtcNow;
        foreach (var type in JobTypes.All)
        {
            var oldest = ctx.Stats.OldestQueued(type);
            Metrics.OldestQueued.WithLabels(type).Set(oldest is { } o ? Math.Max(0, (now - o).TotalSeconds) : 0);
        }
    }

    public async Task StopAsync()
    {
        if (!_stop.IsCancellationRequested) _stop.Cancel();
        try { await _run; } catch (OperationCanceledException) { }
        await _web.StopAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        await _web.DisposeAsync();
        Api.Dispose();
        _stop.Dispose();
    }
}
