using k8s;
using k8s.Models;
using Nexus.Crds.Entities;

namespace Nexus.Operator.Archive;

/// <summary>The archive finalizer (<see cref="NexusGroup.ArchiveFinalizer"/>) on AiJobs and AiJobBatches.</summary>
public static class Finalizers
{
    public static bool Has(IKubernetesObject<V1ObjectMeta> obj) => obj.Metadata.Finalizers?.Contains(NexusGroup.ArchiveFinalizer) == true;

    /// <summary>
    /// A merge patch adding or removing the archive finalizer and keeping any other. The resourceVersion makes it
    /// apply only to the version read, so a finalizer another controller added meanwhile is never dropped (409).
    /// </summary>
    public static Dictionary<string, object> Patch(IKubernetesObject<V1ObjectMeta> obj, bool add)
    {
        var list = (obj.Metadata.Finalizers ?? []).Where(f => f != NexusGroup.ArchiveFinalizer).ToList();
        if (add) list.Add(NexusGroup.ArchiveFinalizer);
        return new Dictionary<string, object>
        {
            ["metadata"] = new Dictionary<string, object> { ["resourceVersion"] = obj.Metadata.ResourceVersion, ["finalizers"] = list },
        };
    }
}
