using Nexus.KubeApiServer.Gc;

namespace Nexus.KubeApiServer.Builtins;

/// <summary>
/// Stands in for the deployment controller and kubelets: reports every desired replica as ready, so code that
/// scales Deployments sees status converge (no Pods are run).
/// </summary>
public sealed class DeploymentController
{
    readonly ObjectStore _store;
    readonly BackgroundQueue _queue;

    public DeploymentController(ObjectStore store, BackgroundQueue queue)
    {
        _store = store;
        _queue = queue;
        store.Changed += e =>
        {
            if (e.Type != "DELETED" && e.Object.Type.StorageKey == BuiltinTypes.Deployments.StorageKey && !Converged(e.Object))
            {
                var (ns, name) = (e.Object.Namespace, e.Object.Name);
                _queue.Enqueue(() => Reconcile(ns, name));
            }
        };
    }

    static long Replicas(StoredObject d) =>
        Json.Long(d.Node["spec"]?["replicas"]) ?? 1;

    static bool Converged(StoredObject d) =>
        d.Node["status"] is JsonObject s &&
        Json.ScalarText(s["observedGeneration"]) == ObjectRules.Generation(d).ToString() &&
        Json.ScalarText(s["readyReplicas"] ?? 0) == Replicas(d).ToString() &&
        Json.ScalarText(s["replicas"]) == Replicas(d).ToString();

    void Reconcile(string ns, string name)
    {
        lock (_store.Gate)
        {
            if (_store.Get(BuiltinTypes.Deployments, ns, name) is not { } d || Converged(d)) return;
            var next = d.Clone();
            var replicas = Replicas(d);
            next["status"] = new JsonObject
            {
                ["observedGeneration"] = ObjectRules.Generation(d),
                ["replicas"] = replicas,
                ["updatedReplicas"] = replicas,
                ["readyReplicas"] = replicas,
                ["availableReplicas"] = replicas,
            };
            _store.Put(d.Type, next, d);
        }
    }
}
