using Nexus.KubeApiServer.Builtins;

namespace Nexus.KubeApiServer.Gc;

/// <summary>
/// ownerReference cascade (Background and Foreground) and namespace cleanup, driven by store events:
/// the real API server leaves these to kube-controller-manager, so the stand-in runs them itself.
/// </summary>
public sealed class GarbageCollector
{
    readonly ResourceOperations _ops;
    readonly BackgroundQueue _queue;
    ObjectStore Store => _ops.Store;

    public GarbageCollector(ResourceOperations ops, BackgroundQueue queue)
    {
        _ops = ops;
        _queue = queue;
        ops.Store.Changed += OnChanged;
    }

    // Runs under the store gate: only look at the event and enqueue.
    void OnChanged(StoredEvent e)
    {
        var o = e.Object;
        if (e.Type == "DELETED")
        {
            var uid = o.Uid;
            var owners = o.OwnerReferences.Select(r => Json.Str(r, "uid")).OfType<string>().ToList();
            _queue.Enqueue(() => CollectDependents(uid));
            foreach (var owner in owners) _queue.Enqueue(() => CheckForeground(owner));
            if (o.Namespace.Length > 0) _queue.Enqueue(() => CleanNamespace(o.Namespace));
            return;
        }
        if (o.IsTerminating)
        {
            if (o.Type == BuiltinTypes.Namespaces) _queue.Enqueue(() => CleanNamespace(o.Name));
            else if (o.Finalizers.Contains("foregroundDeletion")) _queue.Enqueue(() => CheckForeground(o.Uid));
        }
    }

    /// <summary>Deletes dependents none of whose owners exist any more.</summary>
    void CollectDependents(string ownerUid)
    {
        lock (Store.Gate)
            foreach (var uid in Store.DependentsOf(ownerUid))
            {
                if (Store.ByUid(uid) is not { } dependent || dependent.IsTerminating) continue;
                var alive = dependent.OwnerReferences.Any(r => Json.Str(r, "uid") is { } u && Store.ByUid(u) is not null);
                if (!alive) _ops.DeleteLocked(dependent, "Background");
            }
    }

    /// <summary>An owner in foreground deletion: delete its dependents, then drop the finalizer once none remain.</summary>
    void CheckForeground(string ownerUid)
    {
        lock (Store.Gate)
        {
            if (Store.ByUid(ownerUid) is not { } owner || !owner.IsTerminating || !owner.Finalizers.Contains("foregroundDeletion")) return;
            var dependents = Store.DependentsOf(ownerUid).Select(Store.ByUid).OfType<StoredObject>().ToList();
            if (dependents.Count == 0)
            {
                _ops.RemoveFinalizerLocked(owner, "foregroundDeletion");
                return;
            }
            foreach (var d in dependents.Where(d => !d.IsTerminating)) _ops.DeleteLocked(d, "Foreground");
        }
    }

    void CleanNamespace(string ns)
    {
        lock (Store.Gate)
        {
            if (Store.Get(BuiltinTypes.Namespaces, "", ns) is not { IsTerminating: true } space) return;
            var content = Store.InNamespace(ns).ToList();
            foreach (var o in content.Where(o => !o.IsTerminating)) _ops.DeleteLocked(o, "Background");
            if (!Store.InNamespace(ns).Any()) _ops.FinishNamespaceLocked(space);
        }
    }
}
