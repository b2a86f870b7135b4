using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using System.Text.Json.Serialization;
using k8s;
using k8s.Models;
using Nexus.Crds.Schema;

namespace Nexus.Crds.Entities;

/// <summary>A batch of 1–20 jobs, run in parallel or in order; its child AiJobs are owned by it.</summary>
[KubernetesEntity(Group = NexusGroup.Group, ApiVersion = NexusGroup.Version, Kind = "AiJobBatch", PluralName = "aijobbatches")]
[CrdNames("aijb", Categories = [NexusGroup.Category])]
[Description("A batch of AI jobs dispatched together, in parallel or sequentially.")]
[PrinterColumn(1, "Tenant", "string", ".spec.tenant")]
[PrinterColumn(2, "Sequential", "boolean", ".spec.sequential")]
[PrinterColumn(3, "Jobs", "integer", ".status.counts.total")]
[PrinterColumn(4, "Completed", "integer", ".status.counts.completed")]
[PrinterColumn(5, "Failed", "integer", ".status.counts.failed", Priority = 1)]
[PrinterColumn(6, "Status", "string", ".status.phase")]
[PrinterColumn(7, "Age", "date", ".metadata.creationTimestamp")]
public sealed class AiJobBatch : IKubernetesObject<V1ObjectMeta>, ISpec<AiJobBatchSpec>, IStatus<AiJobBatchStatus?>
{
    public const string KindName = "AiJobBatch";
    public const string Plural = "aijobbatches";
    public const int MaxJobs = 20;

    [JsonPropertyName("apiVersion")] public string ApiVersion { get; set; } = NexusGroup.ApiVersion;
    [JsonPropertyName("kind")] public string Kind { get; set; } = KindName;
    [JsonPropertyName("metadata")] public V1ObjectMeta Metadata { get; set; } = new();
    [Required, JsonPropertyName("spec")] public AiJobBatchSpec Spec { get; set; } = new();
    [JsonPropertyName("status")] public AiJobBatchStatus? Status { get; set; }
}

public sealed class AiJobBatchSpec
{
    [Required, JsonPropertyName("tenant")]
    [MinLength(1), MaxLength(63), RegularExpression("^[a-z0-9]([a-z0-9_.-]*[a-z0-9])?$")]
    public string Tenant { get; set; } = "";

    [JsonPropertyName("sequential"), DefaultValue(false)]
    [Description("Run the jobs in order: each starts after the previous one completes.")]
    public bool Sequential { get; set; }

    [Required, JsonPropertyName("jobs"), MinItems(1), MaxItems(AiJobBatch.MaxJobs)]
    public List<AiJobBatchItem> Jobs { get; set; } = [];
}

public sealed class AiJobBatchItem
{
    [Required, JsonPropertyName("type")]
    [AllowedValues(JobTypes.PricingRecalculate, JobTypes.ReviewSentiment, JobTypes.ReturnClassify,
        JobTypes.LlmVisibilityScore, JobTypes.CompetitorScan, JobTypes.ListingOptimize)]
    public string Type { get; set; } = "";

    [JsonPropertyName("params"), ParamsOfType("type")]
    [Description("The child's params (the AiJob's spec.params), checked by the same rules.")]
    public JsonElement? Params { get; set; }

    [JsonPropertyName("priority"), DefaultValue(Priorities.Normal)]
    [AllowedValues(Priorities.Low, Priorities.Normal, Priorities.High)]
    public string Priority { get; set; } = Priorities.Normal;

    [JsonPropertyName("timeoutSeconds"), Range(1, 86400)] public int? TimeoutSeconds { get; set; }

    [JsonPropertyName("maxRetries"), Range(0, 10)] public int? MaxRetries { get; set; }

    [JsonPropertyName("metadata"), StringMap(JobOptions.MetadataMaxKeys, JobOptions.MetadataValueMaxLength)]
    [Description("The child's metadata (the AiJob's spec.metadata).")]
    public Dictionary<string, string>? Metadata { get; set; }

    [JsonPropertyName("name"), MaxLength(253), RegularExpression("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    [Description("Pre-assigned name of the child AiJob; generated from the batch name when unset.")]
    public string? Name { get; set; }
}

public sealed class AiJobBatchStatus
{
    [JsonPropertyName("phase")]
    [AllowedValues(JobPhases.Queued, JobPhases.Running, JobPhases.Completed, JobPhases.Failed, JobPhases.Cancelled)]
    public string? Phase { get; set; }

    [JsonPropertyName("counts")] public AiJobBatchCounts? Counts { get; set; }

    [JsonPropertyName("jobs"), ListMap("name")] public List<AiJobBatchJobStatus>? Jobs { get; set; }

    [JsonPropertyName("completedAt")] public DateTime? CompletedAt { get; set; }

    [JsonPropertyName("archivedAt")]
    [Description("When the finished batch was written to the history database; it may be deleted after the retention.")]
    public DateTime? ArchivedAt { get; set; }

    [JsonPropertyName("conditions"), ListMap("type")] public List<V1Condition>? Conditions { get; set; }

    [JsonPropertyName("observedGeneration")] public long? ObservedGeneration { get; set; }
}

public sealed class AiJobBatchCounts
{
    [JsonPropertyName("total")] public int Total { get; set; }
    [JsonPropertyName("queued")] public int Queued { get; set; }
    [JsonPropertyName("running")] public int Running { get; set; }
    [JsonPropertyName("completed")] public int Completed { get; set; }
    [JsonPropertyName("failed")] public int Failed { get; set; }
    [JsonPropertyName("cancelled")] public int Cancelled { get; set; }
}

public sealed class AiJobBatchJobStatus
{
    [Required, JsonPropertyName("name")] public string Name { get; set; } = "";
    [JsonPropertyName("index")] public int Index { get; set; }
    [JsonPropertyName("type")] public string? Type { get; set; }
    [JsonPropertyName("phase")] public string? Phase { get; set; }
}
