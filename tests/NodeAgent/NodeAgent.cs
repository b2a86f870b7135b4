using System.Collections.Concurrent;
using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Nexus.NodeAgent;

/// <summary>
/// Plays the parts of a cluster that run workloads, for one namespace on this machine: the deployment controller
/// (one Pod per replica, Deployment status), the kubelet (a local process per pod, restarts with back-off,
/// readiness probes, SIGTERM and grace period on deletion, pod status) and the EndpointSlice controller (each
/// Service's slices list its pods, ready only once their probe passes). Level-triggered: every sync compares
/// what the API declares with what runs.
/// </summary>
public sealed class NodeAgent
{
    public const string TemplateHashLabel = "pod-template-hash";
    public const string ServiceNameLabel = "kubernetes.io/service-name";
    public const string ManagedByLabel = "endpointslice.kubernetes.io/managed-by";
    public const string ManagedBy = "endpointslice-controller.k8s.io";

    private readonly IKubernetes _kube;
    private readonly AgentOptions _options;
    private readonly IClock _clock;
    private readonly CrashBackoff _backoff;
    private readonly ConcurrentDictionary<string, PodRunner> _pods = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _writtenPodStatus = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _wake = new(0);
    private readonly List<Task> _stopping = [];

    public NodeAgent(IKubernetes kube, AgentOptions options, IClock clock)
    {
        _kube = kube;
        _options = options;
        _clock = clock;
        _backoff = new CrashBackoff(clock);
    }

    private string Ns => _options.Namespace;

    /// <summary>The replicas this agent runs now, by pod name.</summary>
    public IReadOnlyDictionary<string, PodRunner> Pods => _pods;

    public async Task RunAsync(CancellationToken ct)
    {
        try
        {
            await RemoveStalePodsAsync(ct);
            while (!ct.IsCancellationRequested)
            {
                try { await SyncOnceAsync(ct); }
                catch (OperationCanceledException) when (ct.IsCancellationRequested) { break; }
                catch (Exception e) when (!ct.IsCancellationRequested)
                {
                    _options.Log($"sync failed: {e.GetType().Name}: {e.Message}");
                }
                try { await _wake.WaitAsync(_options.SyncInterval, ct); }
                catch (OperationCanceledException) { break; }
                while (_wake.CurrentCount > 0) _wake.Wait(0);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested) { }
        finally
        {
            // Whatever ended the loop, no process outlives the agent.
            await ShutdownAsync();
        }
    }

    /// <summary>Pods a previous run of this node left behind: their processes are gone, so they are too.</summary>
    private async Task RemoveStalePodsAsync(CancellationToken ct)
    {
        var stale = await _kube.CoreV1.ListNamespacedPodAsync(Ns, fieldSelector: $"spec.nodeName={_options.NodeName}", cancellationToken: ct);
        foreach (var pod in stale.Items) await DeletePodAsync(pod.Metadata.Name, ct);
    }

    /// <summary>One comparison of declared and actual state; public so a test can drive it step by step.</summary>
    public async Task SyncOnceAsync(CancellationToken ct)
    {
        var deployments = (await _kube.AppsV1.ListNamespacedDeploymentAsync(Ns, cancellationToken: ct)).Items;
        var services = (await _kube.CoreV1.ListNamespacedServiceAsync(Ns, cancellationToken: ct)).Items;
        var podNames = (await _kube.CoreV1.ListNamespacedPodAsync(Ns, fieldSelector: $"spec.nodeName={_options.NodeName}", cancellationToken: ct))
            .Items.Select(p => p.Metadata.Name).ToHashSet(StringComparer.Ordinal);

        // A pod deleted through the API (kubectl delete pod): the kubelet stops its container.
        foreach (var r in _pods.Values.Where(r => !r.Terminating && !podNames.Contains(r.Name)))
        {
            _options.Log($"pod {r.Name} was deleted: stopping it");
            r.MarkTerminating();
        }
        foreach (var d in deployments) await ReconcileReplicasAsync(d, ct);
        var owners = deployments.Select(d => d.Metadata.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var r in _pods.Values.Where(r => !r.Terminating && !owners.Contains(Owner(r))))
        {
            _options.Log($"deployment {Owner(r)} is gone: stopping pod {r.Name}");
            r.MarkTerminating();
        }

        foreach (var r in _pods.Values) r.Sync(Wake);
        foreach (var r in _pods.Values.Where(r => podNames.Contains(r.Name) || !r.Terminating)) await WritePodStatusAsync(r, ct);
        await SyncEndpointSlicesAsync(services, ct);
        // Only now that the slices no longer list them as ready are the terminating pods signalled.
        foreach (var r in _pods.Values.Where(r => r.Terminating)) StartStopping(r, deleteObject: podNames.Contains(r.Name));
        foreach (var d in deployments) await WriteDeploymentStatusAsync(d, ct);
    }

    private void Wake() => _wake.Release();

    private static string Owner(PodRunner r) => r.Pod.Metadata.OwnerReferences?.FirstOrDefault()?.Name ?? "";

    private async Task ReconcileReplicasAsync(V1Deployment d, CancellationToken ct)
    {
        if (d.Spec.Template?.Spec?.Containers is not { Count: > 0 }) return;
        var hash = TemplateHash(d.Spec.Template);
        var desired = d.Spec.Replicas ?? 1;
        var live = _pods.Values.Where(r => !r.Terminating && Owner(r) == d.Metadata.Name).ToList();
        var current = live.Where(r => r.TemplateHash == hash).ToList();
        for (var i = current.Count; i < desired; i++) await CreatePodAsync(d, hash, ct);
        // Scale-down removes the replicas that matter least: not ready first, then the newest (as the ReplicaSet controller ranks them).
        foreach (var r in current.OrderBy(r => r.Ready ? 1 : 0).ThenByDescending(r => r.Created).Take(Math.Max(0, current.Count - desired)))
        {
            _options.Log($"deployment {d.Metadata.Name} scaled to {desired}: stopping pod {r.Name}");
            r.MarkTerminating();
        }
        // A changed template rolls: old pods go once the new ones are ready (or when they are not ready anyway).
        var newReady = current.Count(r => r.Ready);
        foreach (var r in live.Where(r => r.TemplateHash != hash && (newReady >= desired || !r.Ready)))
        {
            _options.Log($"deployment {d.Metadata.Name} template changed: replacing pod {r.Name}");
            r.MarkTerminating();
        }
    }

    private async Task CreatePodAsync(V1Deployment d, string hash, CancellationToken ct)
    {
        var template = d.Spec.Template;
        var labels = new Dictionary<string, string>(template.Metadata?.Labels ?? new Dictionary<string, string>(), StringComparer.Ordinal)
        {
            [TemplateHashLabel] = hash,
        };
        var spec = KubernetesJson.Deserialize<V1PodSpec>(KubernetesJson.Serialize(template.Spec));
        spec.NodeName = _options.NodeName;
        spec.RestartPolicy ??= "Always";
        var pod = new V1Pod
        {
            ApiVersion = "v1",
            Kind = "Pod",
            Metadata = new V1ObjectMeta
            {
                Name = $"{d.Metadata.Name}-{hash}-{Suffix()}",
                NamespaceProperty = Ns,
                Labels = labels,
                Annotations = template.Metadata?.Annotations is { } a ? new Dictionary<string, string>(a) : null,
                OwnerReferences =
                [
                    new V1OwnerReference
                    {
                        ApiVersion = "apps/v1", Kind = "Deployment", Name = d.Metadata.Name, Uid = d.Metadata.Uid,
                        Controller = true, BlockOwnerDeletion = true,
                    },
                ],
            },
            Spec = spec,
        };
        var created = await _kube.CoreV1.CreateNamespacedPodAsync(pod, Ns, cancellationToken: ct);
        var runner = new PodRunner(created, hash, _clock, _backoff, _options);
        _pods[runner.Name] = runner;
        _options.Log($"deployment {d.Metadata.Name}: created pod {runner.Name} (ports {string.Join(",", runner.Ports.Where(p => !char.IsDigit(p.Key[0]) || runner.Ports.Count == 1).Select(p => $"{p.Key}={p.Value}"))})");
    }

    private async Task WritePodStatusAsync(PodRunner r, CancellationToken ct)
    {
        var status = r.Status();
        var json = KubernetesJson.Serialize(status);
        if (_writtenPodStatus.TryGetValue(r.Name, out var written) && written == json) return;
        var pod = r.Pod;
        pod.Status = status;
        try
        {
            r.Pod = await _kube.CoreV1.ReplaceNamespacedPodStatusAsync(pod, r.Name, Ns, cancellationToken: ct);
            _writtenPodStatus[r.Name] = json;
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Conflict)
        {
            r.Pod = await _kube.CoreV1.ReadNamespacedPodAsync(r.Name, Ns, cancellationToken: ct);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            // Deleted meanwhile; the next sync notices and stops it.
        }
    }

    private void StartStopping(PodRunner r, bool deleteObject)
    {
        lock (_stopping)
        {
            if (_stopping.Any(t => t.AsyncState as string == r.Name)) return;
            var task = Task.Factory.StartNew(async name =>
            {
                await r.StopAsync();
                if (deleteObject) await DeletePodAsync(r.Name, CancellationToken.None);
                _pods.TryRemove(r.Name, out _);
                _writtenPodStatus.TryRemove(r.Name, out _);
                _options.Log($"pod {r.Name} stopped");
                Wake();
            }, r.Name, CancellationToken.None, TaskCreationOptions.None, TaskScheduler.Default).Unwrap();
            _stopping.Add(task);
            _stopping.RemoveAll(t => t.IsCompleted);
        }
    }

    private async Task DeletePodAsync(string name, CancellationToken ct)
    {
        try { await _kube.CoreV1.DeleteNamespacedPodAsync(name, Ns, gracePeriodSeconds: 0, cancellationToken: ct); }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound) { }
        catch (HttpRequestException) { } // the API server went first (shutdown)
        catch (System.Text.Json.JsonException) { } // deleted; answered with a Status where the client expects the Pod
    }

    private async Task SyncEndpointSlicesAsync(IList<V1Service> services, CancellationToken ct)
    {
        var existing = (await _kube.DiscoveryV1.ListNamespacedEndpointSliceAsync(Ns, labelSelector: $"{ManagedByLabel}={ManagedBy}", cancellationToken: ct)).Items;
        foreach (var svc in services)
        {
            if (svc.Spec?.Selector is not { Count: > 0 } selector) continue;
            var members = _pods.Values
                .Where(r => r.Pod.Metadata.Uid is not null && selector.All(kv => LocalConvention.Value(r.Pod.Metadata.Labels, kv.Key) == kv.Value))
                .OrderBy(r => r.Name, StringComparer.Ordinal)
                .ToList();
            // Pods whose service ports resolve to the same numbers share a slice, as the real controller groups them.
            var desired = members
                .GroupBy(r => PortsOf(svc, r), PortsComparer)
                .ToDictionary(g => Signature(g.Key), g => (Ports: g.Key, Endpoints: g.Select(Endpoint).ToList()));
            var mine = existing.Where(s => LocalConvention.Value(s.Metadata.Labels, ServiceNameLabel) == svc.Metadata.Name).ToList();
            foreach (var slice in mine)
            {
                var sig = Signature(slice.Ports ?? []);
                if (!desired.Remove(sig, out var want))
                {
                    await DeleteSliceAsync(slice.Metadata.Name, ct);
                    continue;
                }
                if (KubernetesJson.Serialize(slice.Endpoints ?? []) == KubernetesJson.Serialize(want.Endpoints)) continue;
                slice.Endpoints = want.Endpoints;
                await _kube.DiscoveryV1.ReplaceNamespacedEndpointSliceAsync(slice, slice.Metadata.Name, Ns, cancellationToken: ct);
            }
            foreach (var want in desired.Values)
            {
                await _kube.DiscoveryV1.CreateNamespacedEndpointSliceAsync(new V1EndpointSlice
                {
                    ApiVersion = "discovery.k8s.io/v1",
                    Kind = "EndpointSlice",
                    Metadata = new V1ObjectMeta
                    {
                        GenerateName = svc.Metadata.Name + "-",
                        NamespaceProperty = Ns,
                        Labels = new Dictionary<string, string> { [ServiceNameLabel] = svc.Metadata.Name, [ManagedByLabel] = ManagedBy },
                        OwnerReferences =
                        [
                            new V1OwnerReference { ApiVersion = "v1", Kind = "Service", Name = svc.Metadata.Name, Uid = svc.Metadata.Uid, Controller = true, BlockOwnerDeletion = true },
                        ],
                    },
                    AddressType = "IPv4",
                    Ports = want.Ports,
                    Endpoints = want.Endpoints,
                }, Ns, cancellationToken: ct);
            }
        }
        var named = services.Select(s => s.Metadata.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var orphan in existing.Where(s => !named.Contains(LocalConvention.Value(s.Metadata.Labels, ServiceNameLabel) ?? "")))
            await DeleteSliceAsync(orphan.Metadata.Name, ct);
    }

    private async Task DeleteSliceAsync(string name, CancellationToken ct)
    {
        try { await _kube.DiscoveryV1.DeleteNamespacedEndpointSliceAsync(name, Ns, cancellationToken: ct); }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound) { }
    }

    private static List<Discoveryv1EndpointPort> PortsOf(V1Service svc, PodRunner r) =>
        (svc.Spec.Ports ?? []).Select(p => new Discoveryv1EndpointPort
        {
            Name = p.Name ?? "",
            Protocol = p.Protocol ?? "TCP",
            Port = LocalConvention.Resolve(p.TargetPort ?? (IntOrString)p.Port, r.Ports) ?? p.Port,
        }).ToList();

    private static string Signature(IEnumerable<Discoveryv1EndpointPort> ports) =>
        string.Join(",", ports.Select(p => $"{p.Name}/{p.Protocol ?? "TCP"}/{p.Port}"));

    private static readonly IEqualityComparer<List<Discoveryv1EndpointPort>> PortsComparer =
        EqualityComparer<List<Discoveryv1EndpointPort>>.Create((a, b) => Signature(a!) == Signature(b!), a => Signature(a).GetHashCode());

    private V1Endpoint Endpoint(PodRunner r)
    {
        var ready = r.Ready;
        return new V1Endpoint
        {
            Addresses = [LocalConvention.PodIp],
            Conditions = new V1EndpointConditions { Ready = ready && !r.Terminating, Serving = ready, Terminating = r.Terminating },
            NodeName = _options.NodeName,
            TargetRef = new V1ObjectReference { Kind = "Pod", Name = r.Name, NamespaceProperty = Ns, Uid = r.Pod.Metadata.Uid },
        };
    }

    private async Task WriteDeploymentStatusAsync(V1Deployment d, CancellationToken ct)
    {
        if (d.Spec.Template?.Spec?.Containers is not { Count: > 0 }) return;
        var hash = TemplateHash(d.Spec.Template);
        var desired = d.Spec.Replicas ?? 1;
        var live = _pods.Values.Where(r => !r.Terminating && Owner(r) == d.Metadata.Name).ToList();
        var ready = live.Count(r => r.Ready);
        var updated = live.Count(r => r.TemplateHash == hash);
        var maxUnavailable = desired / 4; // the default rolling update's 25%, rounded down
        var available = ready >= desired - maxUnavailable;
        var complete = updated == desired && ready == desired && live.Count == desired;
        int? NonZero(int n) => n == 0 ? null : n;
        var old = d.Status;
        V1DeploymentCondition Condition(string type, bool value, string reason, string message)
        {
            var status = value ? "True" : "False";
            var before = old?.Conditions?.FirstOrDefault(c => c.Type == type);
            var now = _clock.UtcNow;
            return new V1DeploymentCondition
            {
                Type = type, Status = status, Reason = reason, Message = message,
                LastTransitionTime = before?.Status == status ? before.LastTransitionTime : now,
                LastUpdateTime = before?.Status == status && before.Reason == reason ? before.LastUpdateTime : now,
            };
        }
        var next = new V1DeploymentStatus
        {
            ObservedGeneration = d.Metadata.Generation,
            Replicas = NonZero(live.Count),
            UpdatedReplicas = NonZero(updated),
            ReadyReplicas = NonZero(ready),
            AvailableReplicas = NonZero(ready),
            UnavailableReplicas = NonZero(Math.Max(0, desired - ready)),
            Conditions =
            [
                Condition("Available", available, available ? "MinimumReplicasAvailable" : "MinimumReplicasUnavailable",
                    available ? "Deployment has minimum availability." : "Deployment does not have minimum availability."),
                Condition("Progressing", true, complete ? "NewReplicaSetAvailable" : "ReplicaSetUpdated",
                    complete ? $"Pods of deployment \"{d.Metadata.Name}\" are available." : $"Deployment \"{d.Metadata.Name}\" is progressing."),
            ],
        };
        if (old is not null && Same(old, next)) return;
        d.Status = next;
        try { await _kube.AppsV1.ReplaceNamespacedDeploymentStatusAsync(d, d.Metadata.Name, Ns, cancellationToken: ct); }
        catch (HttpOperationException e) when (e.Response.StatusCode is HttpStatusCode.Conflict or HttpStatusCode.NotFound) { }
    }

    private static bool Same(V1DeploymentStatus a, V1DeploymentStatus b) =>
        a.ObservedGeneration == b.ObservedGeneration && (a.Replicas ?? 0) == (b.Replicas ?? 0) &&
        (a.ReadyReplicas ?? 0) == (b.ReadyReplicas ?? 0) && (a.AvailableReplicas ?? 0) == (b.AvailableReplicas ?? 0) &&
        (a.UpdatedReplicas ?? 0) == (b.UpdatedReplicas ?? 0) && (a.UnavailableReplicas ?? 0) == (b.UnavailableReplicas ?? 0) &&
        string.Join(",", (a.Conditions ?? []).Select(c => $"{c.Type}={c.Status}/{c.Reason}")) ==
        string.Join(",", (b.Conditions ?? []).Select(c => $"{c.Type}={c.Status}/{c.Reason}"));

    /// <summary>Stops every replica within its grace period and removes its Pod; the Deployments stay declared.</summary>
    private async Task ShutdownAsync()
    {
        _options.Log("stopping every pod");
        await Task.WhenAll(_pods.Values.Select(r => r.StopAsync()));
        using var quick = new CancellationTokenSource(TimeSpan.FromSeconds(3));
        try { await Task.WhenAll(_pods.Keys.Select(name => DeletePodAsync(name, quick.Token))); }
        catch (Exception e) when (e is OperationCanceledException or HttpOperationException) { }
        Task[] pending;
        lock (_stopping) pending = _stopping.ToArray();
        await Task.WhenAll(pending);
    }

    /// <summary>A stable 10-character hash of the pod template, as the pod-template-hash label carries.</summary>
    public static string TemplateHash(V1PodTemplateSpec template)
    {
        var json = KubernetesJson.Serialize(template);
        ulong h = 14695981039346656037;
        foreach (var c in json) { h ^= c; h *= 1099511628211; }
        return Alphanumeric(h, 10);
    }

    private static string Suffix() => Alphanumeric((ulong)Random.Shared.NextInt64(), 5);

    private static string Alphanumeric(ulong value, int length)
    {
        const string alphabet = "bcdfghjklmnpqrstvwxz2456789"; // the apiserver's generateName alphabet
        var chars = new char[length];
        for (var i = 0; i < length; i++) { chars[i] = alphabet[(int)(value % (ulong)alphabet.Length)]; value /= (ulong)alphabet.Length; }
        return new string(chars);
    }
}
