namespace Nexus.KubeApiServer.Model;

/// <summary>Which writes bump metadata.generation.</summary>
public enum GenerationPolicy
{
    /// <summary>The kind has no generation (ConfigMaps, Secrets, Events, ...).</summary>
    None,
    /// <summary>Any change outside metadata (and outside status when a status subresource exists): custom resources.</summary>
    AllButMetadata,
    /// <summary>Spec or annotation changes: Deployments.</summary>
    SpecAndAnnotations,
    /// <summary>Spec changes only: PodDisruptionBudgets, NetworkPolicies, Ingresses.</summary>
    Spec,
}

public sealed record PrinterColumn(string Name, string Type, string JsonPath, string? Format, string? Description, int Priority);

/// <summary>Paths of a scale subresource (autoscaling/v1 Scale) inside the object.</summary>
public sealed record ScaleSpec(string SpecReplicasPath, string StatusReplicasPath, string? LabelSelectorPath);

/// <summary>
/// Everything the server needs to serve one resource of one group-version: names, scope, subresources,
/// schema, printer columns and the per-kind write rules of the real registry strategies.
/// </summary>
public sealed class ResourceType
{
    public required string Group { get; init; }
    public required string Version { get; init; }
    public required string Kind { get; init; }
    public required string Plural { get; init; }
    public string Singular { get; init; } = "";
    public string ListKind => Kind + "List";
    public string[] ShortNames { get; init; } = [];
    public string[] Categories { get; init; } = [];
    public bool Namespaced { get; init; } = true;
    public bool HasStatus { get; init; }
    public ScaleSpec? Scale { get; init; }
    /// <summary>openAPIV3Schema of a custom resource; null for built-ins (not validated).</summary>
    public JsonObject? Schema { get; init; }
    public IReadOnlyList<PrinterColumn> Columns { get; init; } = [];
    public bool IsCustom { get; init; }
    public GenerationPolicy Generation { get; init; } = GenerationPolicy.None;
    /// <summary>PUT on a missing object creates it (Leases, Events).</summary>
    public bool PutCreates { get; init; }
    /// <summary>PUT without metadata.resourceVersion is rejected with 422 (custom resources, Leases).</summary>
    public bool RequireResourceVersionOnUpdate { get; init; }
    /// <summary>Field selectors accepted beyond metadata.name and metadata.namespace.</summary>
    public string[] ExtraFieldSelectors { get; init; } = [];

    public string ApiVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";
    public string GroupResource => Group.Length == 0 ? Plural : $"{Plural}.{Group}";
    public string GroupKind => Group.Length == 0 ? Kind : $"{Kind}.{Group}";
    /// <summary>Identity of the stored collection (shared by every served version of one resource).</summary>
    public string StorageKey => GroupResource;
}
