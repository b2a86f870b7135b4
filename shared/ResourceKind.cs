using k8s;
using k8s.Models;
using Nexus.Crds.Entities;

namespace Nexus.Shared;

/// <summary>Where a kind lives in the API: <c>/apis/group/version/namespaces/ns/plural</c> or <c>/api/v1/...</c>.</summary>
public sealed record ResourceKind(string Group, string Version, string Plural, string Kind)
{
    public string ApiVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    public string Collection(string ns) =>
        (Group.Length == 0 ? $"api/{Version}" : $"apis/{Group}/{Version}") + $"/namespaces/{ns}/{Plural}";

    public string Item(string ns, string name) => $"{Collection(ns)}/{Uri.EscapeDataString(name)}";

    public static readonly ResourceKind AiJob = new(NexusGroup.Group, NexusGroup.Version, Crds.Entities.AiJob.Plural, Crds.Entities.AiJob.KindName);
    public static readonly ResourceKind AiJobBatch = new(NexusGroup.Group, NexusGroup.Version, Crds.Entities.AiJobBatch.Plural, Crds.Entities.AiJobBatch.KindName);
    public static readonly ResourceKind WorkerPool = new(NexusGroup.Group, NexusGroup.Version, Crds.Entities.WorkerPool.Plural, Crds.Entities.WorkerPool.KindName);
    public static readonly ResourceKind TenantQuota = new(NexusGroup.Group, NexusGroup.Version, Crds.Entities.TenantQuota.Plural, Crds.Entities.TenantQuota.KindName);
    public static readonly ResourceKind Lease = new("coordination.k8s.io", "v1", "leases", "Lease");
    public static readonly ResourceKind Event = new("", "v1", "events", "Event");
    public static readonly ResourceKind Secret = new("", "v1", "secrets", "Secret");
    public static readonly ResourceKind ConfigMap = new("", "v1", "configmaps", "ConfigMap");
    public static readonly ResourceKind EndpointSlice = new("discovery.k8s.io", "v1", "endpointslices", "EndpointSlice");
    public static readonly ResourceKind Deployment = new("apps", "v1", "deployments", "Deployment");

    public static ResourceKind Of<T>() where T : IKubernetesObject
    {
        var attr = (KubernetesEntityAttribute?)Attribute.GetCustomAttribute(typeof(T), typeof(KubernetesEntityAttribute))
            ?? throw new InvalidOperationException($"{typeof(T).Name} has no KubernetesEntity attribute");
        return new ResourceKind(attr.Group ?? "", attr.ApiVersion, attr.PluralName, attr.Kind);
    }
}
