using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using System.Text.Json.Serialization;
using k8s;
using k8s.Models;
using Nexus.Crds.Schema;

namespace Nexus.Crds.Entities;

/// <summary>One AI job: what to run (spec, written by clients) and how it went (status, written by the operator).</summary>
[KubernetesEntity(Group = NexusGroup.Group, ApiVersion = NexusGroup.Version, Kind = "AiJob", PluralName = "aijobs")]
[CrdNames("aij", Categories = [NexusGroup.Category])]
[Description("An AI job dispatched through the AI Jobs API and run by a worker pool.")]
[PrinterColumn(1, "Type", "string", ".spec.type")]
[PrinterColumn(2, "Tenant", "string", ".spec.tenant")]
[PrinterColumn(3, "Priority", "string", ".spec.priority")]
[PrinterColumn(4, "Status", "string", ".status.phase")]
[PrinterColumn(5, "Attempts", "integer", ".status.attempts")]
[PrinterColumn(6, "Worker", "string", ".status.worker.instance", Priority = 1)]
[PrinterColumn(7, "Error", "string", ".status.error.code", Priority = 1)]
[PrinterColumn(8, "Message", "string", ".status.conditions[?(@.type==\"Finished\")].message", Priority = 1)]
[PrinterColumn(9, "Age", "date", ".metadata.creationTimestamp")]
public sealed class AiJob : IKubernetesObject<V1ObjectMeta>, ISpec<AiJobSpec>, IStatus<AiJobStatus?>
{
    public const string KindName = "AiJob";
    public const string Plural = "aijobs";

    [JsonPropertyName("apiVersion")] public string ApiVersion { get; set; } = NexusGroup.ApiVersion;
    [JsonPropertyName("kind")] public string Kind { get; set; } = KindName;
    [JsonPropertyName("metadata")] public V1ObjectMeta Metadata { get; set; } = new();
    [Required, JsonPropertyName("spec")] public AiJobSpec Spec { get; set; } = new();
    [JsonPropertyName("status")] public AiJobStatus? Status { get; set; }
}

public sealed class AiJobSpec
{
    [Required, JsonPropertyName("type"), Immutable]
    [Description("Job type: one of the six AI job types.")]
    [AllowedValues(JobTypes.PricingRecalculate, JobTypes.ReviewSentiment, JobTypes.ReturnClassify,
        JobTypes.LlmVisibilityScore, JobTypes.CompetitorScan, JobTypes.ListingOptimize)]
    public string Type { get; set; } = "";

    [Required, JsonPropertyName("tenant"), Immutable]
    [Description("Tenant that owns the job; only that tenant's API keys can see it.")]
    [MinLength(1), MaxLength(63), RegularExpression("^[a-z0-9]([a-z0-9_.-]*[a-z0-9])?$")]
    public string Tenant { get; set; } = "";

    [JsonPropertyName("priority"), DefaultValue(Priorities.Normal)]
    [Description("Claim order: high before normal before low.")]
    [AllowedValues(Priorities.Low, Priorities.Normal, Priorities.High)]
    public string Priority { get; set; } = Priorities.Normal;

    [JsonPropertyName("params"), Immutable, ParamsOfType("type")]
    [Description("Job-type specific parameters, passed to the worker as they are.")]
    public JsonElement? Params { get; set; }

    [JsonPropertyName("timeoutSeconds"), Range(1, 86400)]
    [Description("Deadline of one attempt; the operator's per-type default applies when unset.")]
    public int? TimeoutSeconds { get; set; }

    [JsonPropertyName("maxRetries"), Range(0, 10), DefaultValue(JobOptions.DefaultMaxRetries)]
    [Description("How many times a retryable failure is retried before the job fails.")]
    public int MaxRetries { get; set; } = JobOptions.DefaultMaxRetries;

    [JsonPropertyName("dependsOn"), ListSet, MaxItems(20)]
    [Description("Names of AiJobs (same namespace) that must complete before this job may be claimed.")]
    public List<string>? DependsOn { get; set; }

    [JsonPropertyName("batch"), Immutable]
    [Description("The batch this job belongs to, when dispatched in one.")]
    public AiJobBatchRef? Batch { get; set; }

    [JsonPropertyName("cancel"), DefaultValue(false), XValidation("self || !oldSelf", "cancel cannot be set back to false")]
    [Description("User intent to cancel; honoured only while the job is queued.")]
    public bool Cancel { get; set; }

    [JsonPropertyName("metadata"), StringMap(JobOptions.MetadataMaxKeys, JobOptions.MetadataValueMaxLength)]
    [XValidation("self.all(k, k.matches('" + JobOptions.MetadataKeyPattern + "'))", "key must match the pattern " + JobOptions.MetadataKeyPattern)]
    [Description("The client's labels (REST metadata): returned with the job and filterable in lists. Keys as the gateway's: " + JobOptions.MetadataKeyPattern + ".")]
    public Dictionary<string, string>? Metadata { get; set; }

    [JsonPropertyName("retryOf"), MaxLength(253)]
    [Description("The REST id of the failed or cancelled job this one retries (POST /api/ai-jobs/:id/retry).")]
    public string? RetryOf { get; set; }

    [JsonPropertyName("callbackUrl"), MaxLength(2048)]
    [Description("An https URL that receives this job's terminal event as a signed webhook (Standard Webhooks).")]
    public string? CallbackUrl { get; set; }
}

public sealed class AiJobBatchRef
{
    [Required, JsonPropertyName("name"), MinLength(1), MaxLength(253)]
    public string Name { get; set; } = "";

    [Required, JsonPropertyName("index"), Range(0, 19)]
    public int Index { get; set; }
}

public sealed class AiJobStatus
{
    [JsonPropertyName("phase")]
    [AllowedValues(JobPhases.Queued, JobPhases.Running, JobPhases.Completed, JobPhases.Failed, JobPhases.Cancelled)]
    public string? Phase { get; set; }

    [JsonPropertyName("queuedAt")] public DateTime? QueuedAt { get; set; }
    [JsonPropertyName("startedAt")] public DateTime? StartedAt { get; set; }
    [JsonPropertyName("completedAt")] public DateTime? CompletedAt { get; set; }

    [JsonPropertyName("attempts"), Range(0, 1000)]
    [Description("Attempts started so far (kept here, never derived from other objects).")]
    public int Attempts { get; set; }

    [JsonPropertyName("nextAttemptAt")]
    [Description("When a retry after a failed attempt may be claimed (backoff).")]
    public DateTime? NextAttemptAt { get; set; }

    [JsonPropertyName("worker")] public AiJobWorkerRef? Worker { get; set; }

    [JsonPropertyName("result")]
    [Description("The job's result, when small enough to keep in status.")]
    public JsonElement? Result { get; set; }

    [JsonPropertyName("resultRef")]
    [Description("Where a result too large for status is stored.")]
    public AiJobResultRef? ResultRef { get; set; }

    [JsonPropertyName("error")] public AiJobError? Error { get; set; }

    [JsonPropertyName("estimatedCompletionAt")] public DateTime? EstimatedCompletionAt { get; set; }

    [JsonPropertyName("conditions"), ListMap("type")]
    public List<V1Condition>? Conditions { get; set; }

    [JsonPropertyName("observedGeneration")] public long? ObservedGeneration { get; set; }

    [JsonPropertyName("attemptHistory"), MaxItems(AiJobAttempt.MaxKept)]
    [Description("Every ended attempt, oldest first (the last ones when there were more): what the job's archived record lists.")]
    public List<AiJobAttempt>? AttemptHistory { get; set; }

    [JsonPropertyName("archivedAt")]
    [Description("When the finished job's whole record was written to the history database; the AiJob may be deleted after the retention.")]
    public DateTime? ArchivedAt { get; set; }
}

/// <summary>Pins a running attempt to the worker instance that accepted it.</summary>
public sealed class AiJobWorkerRef
{
    [JsonPropertyName("pool")] public string? Pool { get; set; }
    [JsonPropertyName("instance")] public string? Instance { get; set; }
    [JsonPropertyName("jobId")] public string? JobId { get; set; }
}

/// <summary>
/// A result too large for status: it is in the history database (table <c>job_results</c>, keyed by the job id),
/// written before the status that points at it.
/// </summary>
public sealed class AiJobResultRef
{
    public const string PostgreSql = "postgresql";

    [Required, JsonPropertyName("store")]
    [Description("Where the result is kept: postgresql (the history database, keyed by the job id).")]
    [AllowedValues(PostgreSql)]
    public string Store { get; set; } = PostgreSql;

    [JsonPropertyName("sizeBytes")]
    [Description("The result's size as uncompressed JSON.")]
    public long? SizeBytes { get; set; }
}

/// <summary>
/// One ended attempt. Kept in status (not in the operator's memory) so the history survives an operator restart: the
/// archive lists every attempt from here.
/// </summary>
public sealed class AiJobAttempt
{
    /// <summary>The attempts a job may have (maxRetries is at most 10) with room for attempts lost to restarts.</summary>
    public const int MaxKept = 16;

    [Required, JsonPropertyName("number"), Range(1, 1000)] public int Number { get; set; }
    [JsonPropertyName("pool")] public string? Pool { get; set; }
    [JsonPropertyName("instance")] public string? Instance { get; set; }
    [Required, JsonPropertyName("startedAt")] public DateTime StartedAt { get; set; }
    [JsonPropertyName("endedAt")] public DateTime? EndedAt { get; set; }

    [Required, JsonPropertyName("outcome")]
    [Description("How the attempt ended: Completed, Failed (for good), Retried (failed, retried), or Cancelled.")]
    [AllowedValues(Completed, Failed, Retried, Cancelled)]
    public string Outcome { get; set; } = "";

    [JsonPropertyName("errorCode")] public string? ErrorCode { get; set; }

    public const string Completed = "Completed";
    public const string Failed = "Failed";
    public const string Retried = "Retried";
    public const string Cancelled = "Cancelled";
}

/// <summary>
/// Why a job failed. Workers write the code and message, so both are clipped to their bounds here, whoever sets
/// them: a worker's long message can neither fail the status write nor reach clients unbounded.
/// </summary>
public sealed class AiJobError
{
    public const int CodeMaxLength = 64;
    public const int MessageMaxLength = 2048;

    private string _code = "";
    private string _message = "";

    [Required, JsonPropertyName("code"), MaxLength(CodeMaxLength)]
    public string Code { get => _code; set => _code = TextBounds.Clip(value, CodeMaxLength); }

    [Required, JsonPropertyName("message"), MaxLength(MessageMaxLength)]
    public string Message { get => _message; set => _message = TextBounds.Clip(value, MessageMaxLength); }

    [JsonPropertyName("retryCount"), Range(0, 1000)] public int RetryCount { get; set; }
}
