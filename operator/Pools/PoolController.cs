using k8s.Models;
using Microsoft.Extensions.Logging;
using Nexus.Crds.Entities;
using Nexus.Operator.Control;
using Nexus.Operator.Dispatch;
using Nexus.Operator.Jobs;
using Nexus.Operator.Metrics;
using Nexus.Shared;

namespace Nexus.Operator.Pools;

/// <summary>
/// Reconciles each WorkerPool every resync interval: discovers instances (ready endpoints of the Service's
/// EndpointSlices, or the static list), health-checks them, publishes slots to the registry, scales the
/// Deployment through its scale subresource to clamp(ceil(demand / concurrency), min, max) — lower only
/// after the scale-down delay — and writes ready, capacity, in-flight and desired into status.
/// </summary>
public sealed class PoolController
{
    private readonly Informer<WorkerPool> _pools;
    private readonly PoolRegistry _registry;
    private readonly WorkerClient _workers;
    private readonly JobStats _stats;
    private readonly KubeApi _api;
    private readonly EventRecorder _events;
    private readonly OperatorMetrics _metrics;
    private readonly OperatorOptions _options;
    private readonly TimeProvider _time;
    private readonly Dictionary<string, ScalingMath.ScaleDownGate> _gates = new(StringComparer.Ordinal);

    public PoolController(Informer<WorkerPool> pools, PoolRegistry registry, WorkerClient workers, JobStats stats, KubeApi api,
        EventRecorder events, OperatorMetrics metrics, OperatorOptions options, TimeProvider time, ILogger<PoolController> log)
    {
        _pools = pools;
        _registry = registry;
        _workers = workers;
        _stats = stats;
        _api = api;
        _events = events;
        _metrics = metrics;
        _options = options;
        _time = time;
        Queue = new WorkQueue("workerpools", 4, ReconcileAsync, log,
            ok => metrics.Reconciles.WithLabels(OperatorMetrics.Kinds.WorkerPool, ok ? "success" : "error").Inc(), time: time);
        pools.Changed += (old, @new) => Queue.Add((@new ?? old)!.Metadata.Name);
    }

    public WorkQueue Queue { get; }

    public Task RunAsync(CancellationToken ct) => Queue.RunAsync(ct);

    private async Task<TimeSpan?> ReconcileAsync(string name, CancellationToken ct)
    {
        var pool = _pools.Get(name);
        if (pool is null)
        {
            _registry.RemovePool(name);
            _metrics.PoolCapacity.RemoveLabelled(name);
            lock (_gates) _gates.Remove(name);
            return null;
        }
        var spec = pool.Spec;
        var urls = await DiscoverAsync(spec, ct);
        var checks = await Task.WhenAll(urls.Select(async u => (u, await _workers.IsReadyAsync(u, ct))));
        var instances = checks.ToDictionary(c => c.u, c => c.Item2, StringComparer.Ordinal);
        _registry.Update(name, spec.JobTypes, spec.ConcurrencyPerReplica, instances);

        var ready = instances.Count(kv => kv.Value);
        var capacity = ready * Math.Max(1, spec.ConcurrencyPerReplica);
        var inFlight = _registry.InFlightOf(name);
        var demand = _stats.Demand(spec.JobTypes);
        var desired = ScalingMath.DesiredReplicas(demand, spec.ConcurrencyPerReplica, spec.MinReplicas, spec.MaxReplicas);
        var lastScale = pool.Status?.LastScaleTime;

        if (spec.Deployment is { Name.Length: > 0 } deployment)
        {
            var scalePath = ResourceKind.Deployment.Item(_options.Namespace, deployment.Name) + "/scale";
            var scale = await _api.GetAsync<V1Scale>(scalePath, ct);
            if (scale is not null)
            {
                var current = scale.Spec?.Replicas ?? 0;
                ScalingMath.ScaleDownGate gate;
                lock (_gates)
                {
                    if (!_gates.TryGetValue(name, out gate!)) _gates[name] = gate = new ScalingMath.ScaleDownGate();
                }
                var target = gate.Decide(current, desired, TimeSpan.FromSeconds(spec.ScaleDownDelaySeconds), _time.GetUtcNow().UtcDateTime);
                if (target != current)
                {
                    await _api.MergePatchAsync<V1Scale>(scalePath, new { spec = new { replicas = target } }, ct);
                    lastScale = _time.GetUtcNow().UtcDateTime;
                    _events.Normal(pool, "Scaled", $"deployment {deployment.Name} scaled from {current} to {target} (demand {demand})");
                }
                desired = target;
            }
        }

        _metrics.PoolReadyReplicas.WithLabels(name).Set(ready);
        _metrics.PoolDesiredReplicas.WithLabels(name).Set(desired);
        _metrics.PoolMaxReplicas.WithLabels(name).Set(spec.MaxReplicas);
        _metrics.PoolMinReplicas.WithLabels(name).Set(spec.MinReplicas);
        _metrics.PoolCapacity.WithLabels(name).Set(capacity);

        var status = new WorkerPoolStatus
        {
            ReadyReplicas = ready,
            DesiredReplicas = desired,
            Capacity = capacity,
            InFlight = inFlight,
            Instances = instances.Select(kv => new WorkerInstanceStatus { Url = kv.Key, Ready = kv.Value }).OrderBy(i => i.Url, StringComparer.Ordinal).ToList(),
            LastScaleTime = lastScale,
            // A pool of static endpoints wants all of them, whatever the demand.
            Conditions = ReadyCondition(pool, ready, spec.Deployment is { Name.Length: > 0 } ? desired : instances.Count),
            ObservedGeneration = pool.Metadata.Generation,
        };
        if (StatusDiffers(pool.Status, status))
        {
            try
            {
                var body = new WorkerPool { Metadata = pool.Metadata, Spec = pool.Spec, Status = status };
                var written = await _api.ReplaceAsync(ResourceKind.WorkerPool.Item(_options.Namespace, name) + "/status", body, ct);
                _pools.Upsert(written);
            }
            catch (KubeApiException e) when (e.IsConflict || e.IsNotFound)
            {
                return TimeSpan.FromMilliseconds(200);
            }
        }
        return _options.PoolResyncInterval;
    }

    private async Task<List<string>> DiscoverAsync(WorkerPoolSpec spec, CancellationToken ct)
    {
        if (spec.StaticEndpoints is { Count: > 0 } endpoints) return endpoints.Select(e => e.TrimEnd('/')).Distinct().ToList();
        if (spec.Service is not { Name.Length: > 0 } service) return [];
        var path = ResourceKind.EndpointSlice.Collection(_options.Namespace) +
                   $"?labelSelector={Uri.EscapeDataString("kubernetes.io/service-name=" + service.Name)}";
        var slices = await _api.GetAsync<V1EndpointSliceList>(path, ct);
        var urls = new List<string>();
        foreach (var slice in slices?.Items ?? [])
        {
            var port = slice.Ports?.FirstOrDefault()?.Port ?? spec.Port;
            foreach (var ep in slice.Endpoints ?? [])
            {
                if (ep.Conditions?.Ready == false) continue;
                foreach (var address in ep.Addresses ?? [])
                {
                    var host = address.Contains(':') ? $"[{address}]" : address;
                    urls.Add($"http://{host}:{port}");
                }
            }
        }
        return urls.Distinct().ToList();
    }

    /// <summary>
    /// Ready while a replica is ready, or while the pool is scaled to zero on purpose (a job scales it up); not ready
    /// when it wants replicas and none is ready, which is when dispatched jobs wait.
    /// </summary>
    private List<V1Condition> ReadyCondition(WorkerPool pool, int ready, int wanted)
    {
        var (isReady, reason, message) = (ready, wanted) switch
        {
            ( > 0, _) => (true, "ReplicasReady", $"{ready} of {wanted} replicas ready"),
            (0, 0) => (true, "ScaledToZero", "no replica runs; a queued job scales the pool up"),
            _ => (false, "NoReadyReplica", $"0 of {wanted} replicas ready"),
        };
        // A copy: the list in the cached object is not ours to change.
        return Conditions.Set(pool.Status?.Conditions?.ToList(), Conditions.Ready, isReady, reason, message,
            pool.Metadata.Generation, _time.GetUtcNow().UtcDateTime);
    }

    private static bool StatusDiffers(WorkerPoolStatus? a, WorkerPoolStatus b)
    {
        if (a is null) return true;
        var ac = string.Join(",", (a.Conditions ?? []).Select(c => $"{c.Type}={c.Status}/{c.Reason}/{c.Message}/{c.ObservedGeneration}"));
        var bc = string.Join(",", (b.Conditions ?? []).Select(c => $"{c.Type}={c.Status}/{c.Reason}/{c.Message}/{c.ObservedGeneration}"));
        if (ac != bc) return true;
        if (a.ReadyReplicas != b.ReadyReplicas || a.DesiredReplicas != b.DesiredReplicas || a.Capacity != b.Capacity || a.InFlight != b.InFlight) return true;
        var ai = string.Join(",", (a.Instances ?? []).Select(i => $"{i.Url}={i.Ready}"));
        var bi = string.Join(",", (b.Instances ?? []).Select(i => $"{i.Url}={i.Ready}"));
        return ai != bi || a.LastScaleTime != b.LastScaleTime;
    }
}
