using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;
using k8s;
using k8s.Models;
using Nexus.Crds.Schema;

namespace Nexus.Crds.Entities;

/// <summary>A pool of worker instances serving some job types; the operator dispatches to it and scales it.</summary>
[KubernetesEntity(Group = NexusGroup.Group, ApiVersion = NexusGroup.Version, Kind = "WorkerPool", PluralName = "workerpools")]
[CrdNames("wp", Categories = [NexusGroup.Category])]
[Description("A pool of Python workers serving some AI job types.")]
[PrinterColumn(1, "Types", "string", ".spec.jobTypes")]
[PrinterColumn(2, "Ready", "integer", ".status.readyReplicas")]
[PrinterColumn(3, "Desired", "integer", ".status.desiredReplicas")]
[PrinterColumn(4, "Capacity", "integer", ".status.capacity")]
[PrinterColumn(5, "In-Flight", "integer", ".status.inFlight")]
[PrinterColumn(6, "Min", "integer", ".spec.minReplicas", Priority = 1)]
[PrinterColumn(7, "Max", "integer", ".spec.maxReplicas", Priority = 1)]
[PrinterColumn(8, "Status", "string", ".status.conditions[?(@.type==\"Ready\")].reason", Priority = 1)]
[PrinterColumn(9, "Age", "date", ".metadata.creationTimestamp")]
public sealed class WorkerPool : IKubernetesObject<V1ObjectMeta>, ISpec<WorkerPoolSpec>, IStatus<WorkerPoolStatus?>
{
    public const string KindName = "WorkerPool";
    public const string Plural = "workerpools";

    [JsonPropertyName("apiVersion")] public string ApiVersion { get; set; } = NexusGroup.ApiVersion;
    [JsonPropertyName("kind")] public string Kind { get; set; } = KindName;
    [JsonPropertyName("metadata")] public V1ObjectMeta Metadata { get; set; } = new();
    [Required, JsonPropertyName("spec")] public WorkerPoolSpec Spec { get; set; } = new();
    [JsonPropertyName("status")] public WorkerPoolStatus? Status { get; set; }
}

public sealed class WorkerPoolSpec
{
    [Required, JsonPropertyName("jobTypes"), MinItems(1), MaxItems(6), ListSet]
    [Description("Job types this pool serves.")]
    public List<string> JobTypes { get; set; } = [];

    [JsonPropertyName("deployment")]
    [Description("The Deployment of the pool's workers, scaled by the operator through its scale subresource.")]
    public WorkerPoolObjectRef? Deployment { get; set; }

    [JsonPropertyName("service")]
    [Description("The Service whose EndpointSlices list the pool's ready instances.")]
    public WorkerPoolObjectRef? Service { get; set; }

    [JsonPropertyName("port"), Range(1, 65535), DefaultValue(8080)]
    [Description("Port of the workers behind the Service.")]
    public int Port { get; set; } = 8080;

    [JsonPropertyName("staticEndpoints"), ListSet, MaxItems(100)]
    [Description("Base URLs of worker instances, instead of a Service (local runs).")]
    public List<string>? StaticEndpoints { get; set; }

    [JsonPropertyName("concurrencyPerReplica"), Range(1, 1000), DefaultValue(4)]
    public int ConcurrencyPerReplica { get; set; } = 4;

    [JsonPropertyName("minReplicas"), Range(0, 1000), DefaultValue(0)]
    public int MinReplicas { get; set; }

    [JsonPropertyName("maxReplicas"), Range(0, 1000), DefaultValue(10)]
    public int MaxReplicas { get; set; } = 10;

    [JsonPropertyName("scaleDownDelaySeconds"), Range(0, 86400), DefaultValue(300)]
    [Description("How long demand must stay lower before the pool is scaled down.")]
    public int ScaleDownDelaySeconds { get; set; } = 300;
}

public sealed class WorkerPoolObjectRef
{
    [Required, JsonPropertyName("name"), MinLength(1), MaxLength(253)] public string Name { get; set; } = "";
}

public sealed class WorkerPoolStatus
{
    [JsonPropertyName("readyReplicas")] public int ReadyReplicas { get; set; }
    [JsonPropertyName("desiredReplicas")] public int DesiredReplicas { get; set; }
    [JsonPropertyName("capacity")] public int Capacity { get; set; }
    [JsonPropertyName("inFlight")] public int InFlight { get; set; }
    [JsonPropertyName("instances"), ListMap("url")] public List<WorkerInstanceStatus>? Instances { get; set; }
    [JsonPropertyName("lastScaleTime")] public DateTime? LastScaleTime { get; set; }
    [JsonPropertyName("conditions"), ListMap("type")] public List<V1Condition>? Conditions { get; set; }
    [JsonPropertyName("observedGeneration")] public long? ObservedGeneration { get; set; }
}

public sealed class WorkerInstanceStatus
{
    [Required, JsonPropertyName("url")] public string Url { get; set; } = "";
    [JsonPropertyName("ready")] public bool Ready { get; set; }
    [JsonPropertyName("inFlight")] public int InFlight { get; set; }
}
