using System.Security.Cryptography;
using System.Text;
using System.Threading.Channels;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Nexus.Shared;

namespace Nexus.Operator.Control;

/// <summary>
/// Kubernetes Events for objects (what <c>kubectl describe</c> shows). Written in the background so they
/// never slow a reconcile; an event repeated for the same object, reason and message bumps <c>count</c>
/// instead of creating another. Failures are logged, never thrown; when the backlog is full, events are dropped.
/// </summary>
public sealed class EventRecorder
{
    private readonly KubeApi _api;
    private readonly OperatorOptions _options;
    private readonly ILogger _log;
    private readonly Channel<PendingEvent> _pending =
        Channel.CreateBounded<PendingEvent>(new BoundedChannelOptions(10_000) { FullMode = BoundedChannelFullMode.DropWrite });

    public EventRecorder(KubeApi api, OperatorOptions options, ILogger log)
    {
        _api = api;
        _options = options;
        _log = log;
    }

    public void Normal(IKubernetesObject<V1ObjectMeta> obj, string reason, string message) => Record(obj, "Normal", reason, message);
    public void Warning(IKubernetesObject<V1ObjectMeta> obj, string reason, string message) => Record(obj, "Warning", reason, message);

    private void Record(IKubernetesObject<V1ObjectMeta> obj, string type, string reason, string message)
    {
        var target = new V1ObjectReference
        {
            ApiVersion = obj.ApiVersion,
            Kind = obj.Kind,
            Name = obj.Metadata.Name,
            NamespaceProperty = obj.Metadata.NamespaceProperty ?? _options.Namespace,
            Uid = obj.Metadata.Uid,
        };
        _pending.Writer.TryWrite(new PendingEvent(target, type, reason, message));
    }

    public async Task RunAsync(CancellationToken ct)
    {
        try
        {
            await foreach (var e in _pending.Reader.ReadAllAsync(ct))
            {
                try
                {
                    await WriteAsync(e, ct);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    _log.LogInformation("event {Reason} for {Name} not recorded: {Error}", e.Reason, e.Target.Name, ex.Message);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task WriteAsync(PendingEvent e, CancellationToken ct)
    {
        var hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes($"{e.Target.Uid}|{e.Reason}|{e.Message}|{e.Type}")))[..16].ToLowerInvariant();
        var name = $"{e.Target.Name}.{hash}";
        var collection = ResourceKind.Event.Collection(e.Target.NamespaceProperty);
        var now = DateTime.UtcNow;
        var ev = new Corev1Event
        {
            ApiVersion = "v1",
            Kind = "Event",
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = e.Target.NamespaceProperty },
            InvolvedObject = e.Target,
            Reason = e.Reason,
            Message = e.Message,
            Type = e.Type,
            Count = 1,
            FirstTimestamp = now,
            LastTimestamp = now,
            Source = new V1EventSource { Component = "nexus-operator" },
            ReportingComponent = "nexus-operator",
            ReportingInstance = _options.Identity,
        };
        try
        {
            await _api.WriteEventAsync(HttpMethod.Post, collection, ev, ct);
        }
        catch (KubeApiException conflict) when (conflict.IsConflict)
        {
            var existing = await _api.GetAsync<Corev1Event>($"{collection}/{name}", ct);
            if (existing is null) return;
            existing.Count = (existing.Count ?? 1) + 1;
            existing.LastTimestamp = now;
            await _api.WriteEventAsync(HttpMethod.Put, $"{collection}/{name}", existing, ct);
        }
    }

    private sealed record PendingEvent(V1ObjectReference Target, string Type, string Reason, string Message);
}
