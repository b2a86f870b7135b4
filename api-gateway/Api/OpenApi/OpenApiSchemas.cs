using System.Text.Json;
using System.Text.Json.Nodes;
using Nexus.Crds.Entities;
using Nexus.Gateway.Jobs;
using Nexus.Gateway.Validation;

namespace Nexus.Gateway.Api.OpenApi;

/// <summary>
/// The document's component schemas (JSON Schema 2020-12, the dialect of OpenAPI 3.1): the answers' shapes as the
/// views serialize them (closed: a field the views gain must be documented here, or the response test fails), the
/// dispatch bodies with one variant per job type whose params are the type's committed params schema, and the error
/// envelope with every code of <see cref="ErrorStatuses"/>.
/// </summary>
internal static class OpenApiSchemas
{
    /// <summary>Schema names of the C# types endpoints declare as bodies or results.</summary>
    public static readonly IReadOnlyDictionary<Type, string> NameOf = new Dictionary<Type, string>
    {
        [typeof(DataEnvelope<JobView>)] = "JobEnvelope",
        [typeof(ListEnvelope)] = "JobPage",
        [typeof(DataEnvelope<BatchDispatchView>)] = "BatchDispatchEnvelope",
        [typeof(DataEnvelope<BatchView>)] = "BatchEnvelope",
        [typeof(ErrorEnvelope)] = "ErrorEnvelope",
        [typeof(HealthBody)] = "Health",
        [typeof(DispatchJobBody)] = "DispatchJobRequest",
        [typeof(DispatchBatchBody)] = "DispatchBatchRequest",
    };

    public static string ParamsSchemaName(string type) => "Params_" + type;

    public static string DispatchSchemaName(string type) => "Dispatch_" + type;

    public static string BatchItemSchemaName(string type) => "BatchItem_" + type;

    /// <summary>One variant per job type under <paramref name="name"/>, discriminated by <c>type</c>.</summary>
    private static void AddDispatchVariants(JsonObject schemas, string name, Func<string, string> variantName, bool callbackUrl, string description)
    {
        var mapping = new JsonObject();
        var variants = new JsonArray();
        foreach (var type in JobTypes.All)
        {
            var variant = Node($$$"""
                {
                  "type": "object",
                  "description": "Dispatch a {{{type}}} job",
                  "required": ["type"],
                  "properties": {
                    "type": {"type": "string", "const": "{{{type}}}"},
                    "params": {"$ref": "#/components/schemas/{{{ParamsSchemaName(type)}}}"},
                    "priority": {"$ref": "#/components/schemas/Priority"},
                    "max_retries": {"type": "integer", "format": "int32", "minimum": 0, "maximum": {{{JobOptions.MaxRetriesLimit}}}, "default": {{{JobOptions.DefaultMaxRetries}}}, "description": "Retries of a retryable failure before the job fails"},
                    "timeout_seconds": {"type": "integer", "format": "int32", "minimum": 1, "maximum": {{{JobOptions.MaxTimeoutSeconds(type)}}}, "default": {{{JobOptions.DefaultTimeoutSeconds(type)}}}, "description": "Deadline of one attempt, at most {{{JobOptions.MaxTimeoutFactor}}} x the type's longest typical duration"},
                    "metadata": {"$ref": "#/components/schemas/Metadata"}
                  },
                  "additionalProperties": false
                }
                """);
            if (callbackUrl)
                variant["properties"]!["callback_url"] = Node("""
                    {"type": "string", "format": "uri", "maxLength": 2048, "description": "https URL (public address) that gets this job's own signed webhook deliveries; the secret: GET /api/webhooks/callback-secret"}
                    """);
            schemas[variantName(type)] = variant;
            mapping[type] = $"#/components/schemas/{variantName(type)}";
            variants.Add(Node($$$"""{"$ref": "#/components/schemas/{{{variantName(type)}}}"}"""));
        }
        schemas[name] = new JsonObject
        {
            ["description"] = description,
            ["oneOf"] = variants,
            ["discriminator"] = new JsonObject { ["propertyName"] = "type", ["mapping"] = mapping },
        };
    }

    public static JsonObject Build()
    {
        var statuses = Enum(JobPhases.All.Select(JobMapper.StatusOf));
        var schemas = new JsonObject
        {
            ["JobType"] = Node($$$"""{"type": "string", "description": "A job type (the API reference's table)", "enum": {{{Enum(JobTypes.All)}}}}"""),
            ["JobStatus"] = Node($$$"""{"type": "string", "description": "queued, running, then completed or failed; cancelled before it ran", "enum": {{{statuses}}}}"""),
            ["Priority"] = Node($$$"""{"type": "string", "description": "High-priority jobs are processed first", "enum": {{{Enum(Priorities.All)}}}, "default": "{{{Priorities.Normal}}}"}"""),
            ["Timestamp"] = Node($$$"""{"type": "string", "format": "date-time", "maxLength": {{{ApiBounds.TimestampMaxLength}}}, "description": "UTC with milliseconds and Z", "examples": ["2026-03-12T14:32:01.123Z"]}"""),
            ["Job"] = Node($$$"""
                {
                  "type": "object",
                  "description": "A job. Fields that do not apply yet (or to its status) are absent.",
                  "required": ["id", "type", "status"],
                  "properties": {
                    "id": {"type": "string", "maxLength": {{{ApiBounds.IdMaxLength}}}, "description": "job_ and a ULID; a job created with kubectl has its object name", "examples": ["job_01HXK9MZPQ3B8C7D2E5F6G"]},
                    "type": {"$ref": "#/components/schemas/JobType"},
                    "status": {"$ref": "#/components/schemas/JobStatus"},
                    "priority": {"$ref": "#/components/schemas/Priority"},
                    "params": {"type": "object", "additionalProperties": true, "description": "The params it was dispatched with (the type's params schema)"},
                    "created_at": {"$ref": "#/components/schemas/Timestamp"},
                    "estimated_completion_at": {"$ref": "#/components/schemas/Timestamp"},
                    "queue_position": {"type": "integer", "format": "int32", "minimum": 1, "maximum": 2147483647, "description": "Queued jobs only: the job's place among the queued jobs competing for its worker pool, in the order they will be claimed (1 = next); updated about every 1-2 s, absent until the operator has placed it", "examples": [3]},
                    "progress": {"type": "number", "minimum": 0, "maximum": 1, "description": "Running jobs only: the fraction done the worker last reported, updated about every 1-2 s while it changes; absent before the first report and once the job is no longer running", "examples": [0.42]},
                    "started_at": {"$ref": "#/components/schemas/Timestamp"},
                    "completed_at": {"$ref": "#/components/schemas/Timestamp"},
                    "duration_seconds": {"type": "integer", "format": "int32", "minimum": 0, "maximum": 2147483647, "description": "Whole seconds from started_at to completed_at"},
                    "attempts": {"type": "array", "maxItems": {{{AiJobAttempt.MaxKept}}}, "items": {"$ref": "#/components/schemas/JobAttempt"}, "description": "Every attempt so far, oldest first (the last {{{AiJobAttempt.MaxKept}}} when there were more): a retried job has one per try; absent before the first attempt started"},
                    "result": {"description": "The worker's result (completed jobs); its shape depends on the job type (workers/README.md)"},
                    "error": {"$ref": "#/components/schemas/JobError"},
                    "batch_id": {"type": "string", "maxLength": {{{ApiBounds.IdMaxLength}}}, "description": "The batch it belongs to", "examples": ["batch_01HXK9MZPQ3B8C7D2E5F6G"]},
                    "max_retries": {"type": "integer", "format": "int32", "minimum": 0, "maximum": 10, "description": "Retries of a retryable failure in effect: the one dispatched with, else {{{JobOptions.DefaultMaxRetries}}} (kubectl-made jobs may have up to 10); absent in records archived before it was kept"},
                    "timeout_seconds": {"type": "integer", "format": "int32", "minimum": 1, "maximum": 86400, "description": "Deadline of one attempt in effect: the one dispatched with, else {{{JobOptions.DefaultTimeoutFactor}}} x the type's longest typical duration"},
                    "metadata": {"$ref": "#/components/schemas/Metadata"},
                    "retry_of": {"type": "string", "maxLength": {{{ApiBounds.IdMaxLength}}}, "description": "The failed or cancelled job this one retries (POST /api/ai-jobs/{jobId}/retry)", "examples": ["job_01HXK9MZPQ3B8C7D2E5F6G"]}
                  },
                  "additionalProperties": false
                }
                """),
            ["JobAttempt"] = Node($$$"""
                {
                  "type": "object",
                  "description": "One attempt of a job: the worker instance that ran it, when, and how it ended",
                  "required": ["number", "started_at", "outcome"],
                  "properties": {
                    "number": {"type": "integer", "format": "int32", "minimum": 1, "maximum": 1000, "description": "1 for the first attempt"},
                    "instance": {"type": "string", "maxLength": {{{ApiBounds.IdMaxLength}}}, "description": "The worker instance that accepted it", "examples": ["pricing-worker-0"]},
                    "started_at": {"$ref": "#/components/schemas/Timestamp"},
                    "ended_at": {"$ref": "#/components/schemas/Timestamp"},
                    "outcome": {"type": "string", "enum": {{{Enum(JobMapper.Outcomes)}}}, "description": "running (the attempt the job is on), completed, failed (for good), retried (failed and tried again) or cancelled"},
                    "error_code": {"type": "string", "maxLength": {{{AiJobError.CodeMaxLength}}}, "description": "The error code of an attempt that did not complete", "examples": ["WORKER_TIMEOUT"]}
                  },
                  "additionalProperties": false
                }
                """),
            ["Metadata"] = Node($$$"""
                {
                  "type": "object",
                  "description": "The client's own labels: returned with the job, filterable with metadata.<key>=<value> in the list",
                  "maxProperties": {{{JobOptions.MetadataMaxKeys}}},
                  "propertyNames": {"type": "string", "maxLength": {{{JobOptions.MetadataKeyMaxLength}}}, "pattern": {{{JsonSerializer.Serialize(JobOptions.MetadataKeyPattern)}}}},
                  "additionalProperties": {"type": "string", "maxLength": {{{JobOptions.MetadataValueMaxLength}}}},
                  "examples": [{"order": "po-1842", "team": "pricing"}]
                }
                """),
            ["JobError"] = Node($$$"""
                {
                  "type": "object",
                  "description": "Why a job failed (or was cancelled by a failed dependency)",
                  "required": ["code", "message", "retry_count"],
                  "properties": {
                    "code": {"type": "string", "maxLength": {{{AiJobError.CodeMaxLength}}}, "description": "WORKER_TIMEOUT, QUEUE_TIMEOUT, INVALID_PARAMS, ... (operator/README.md)", "examples": ["WORKER_TIMEOUT"]},
                    "message": {"type": "string", "maxLength": {{{AiJobError.MessageMaxLength}}}},
                    "retry_count": {"type": "integer", "format": "int32", "minimum": 0, "maximum": 1000}
                  },
                  "additionalProperties": false
                }
                """),
            ["JobEnvelope"] = Envelope("#/components/schemas/Job"),
            ["JobPage"] = Node($$$"""
                {
                  "type": "object",
                  "description": "One page of jobs, newest first",
                  "required": ["data", "pagination"],
                  "properties": {
                    "data": {"type": "array", "maxItems": {{{ListQuery.MaxLimit}}}, "items": {"$ref": "#/components/schemas/Job"}},
                    "pagination": {"$ref": "#/components/schemas/Pagination"}
                  },
                  "additionalProperties": false
                }
                """),
            ["Pagination"] = Node($$$"""
                {
                  "type": "object",
                  "description": "Where a page is in a keyset-paged list",
                  "required": ["limit", "has_more"],
                  "properties": {
                    "limit": {"type": "integer", "format": "int32", "minimum": 1, "maximum": {{{ListQuery.MaxLimit}}}},
                    "has_more": {"type": "boolean"},
                    "next_cursor": {"type": "string", "maxLength": {{{ApiBounds.CursorMaxLength}}}, "description": "Pass as ?cursor= for the next page (present when has_more)"}
                  },
                  "additionalProperties": false
                }
                """),
            ["BatchJobSummary"] = Node($$$"""
                {
                  "type": "object",
                  "required": ["id", "type", "status"],
                  "properties": {
                    "id": {"type": "string", "maxLength": {{{ApiBounds.IdMaxLength}}}},
                    "type": {"$ref": "#/components/schemas/JobType"},
                    "status": {"$ref": "#/components/schemas/JobStatus"}
                  },
                  "additionalProperties": false
                }
                """),
            ["BatchDispatch"] = Node($$$"""
                {
                  "type": "object",
                  "required": ["batch_id", "jobs"],
                  "properties": {
                    "batch_id": {"type": "string", "maxLength": {{{ApiBounds.IdMaxLength}}}, "examples": ["batch_01HXK9MZPQ3B8C7D2E5F6G"]},
                    "jobs": {"type": "array", "maxItems": {{{AiJobBatch.MaxJobs}}}, "items": {"$ref": "#/components/schemas/BatchJobSummary"}}
                  },
                  "additionalProperties": false
                }
                """),
            ["BatchDispatchEnvelope"] = Envelope("#/components/schemas/BatchDispatch"),
            ["Batch"] = Node($$$"""
                {
                  "type": "object",
                  "description": "A batch: its aggregate status, counts per status and its jobs",
                  "required": ["batch_id", "status", "sequential", "counts", "jobs"],
                  "properties": {
                    "batch_id": {"type": "string", "maxLength": {{{ApiBounds.IdMaxLength}}}},
                    "status": {"$ref": "#/components/schemas/JobStatus"},
                    "sequential": {"type": "boolean"},
                    "created_at": {"$ref": "#/components/schemas/Timestamp"},
                    "completed_at": {"$ref": "#/components/schemas/Timestamp"},
                    "counts": {
                      "type": "object",
                      "required": ["total", "queued", "running", "completed", "failed", "cancelled"],
                      "properties": {{{Counts()}}},
                      "additionalProperties": false
                    },
                    "jobs": {"type": "array", "maxItems": {{{AiJobBatch.MaxJobs}}}, "items": {"$ref": "#/components/schemas/Job"}}
                  },
                  "additionalProperties": false
                }
                """),
            ["BatchEnvelope"] = Envelope("#/components/schemas/Batch"),
            ["ErrorCode"] = Node($$$"""{"type": "string", "description": "Every error code; each has one HTTP status (the info section lists them)", "enum": {{{Enum(ErrorStatuses.ByCode.Keys)}}}}"""),
            ["FieldError"] = Node($$$"""
                {
                  "type": "object",
                  "description": "One field-level problem",
                  "required": ["field", "message"],
                  "properties": {
                    "field": {"type": "string", "maxLength": {{{ApiBounds.FieldPathMaxLength}}}, "description": "Path into the request: params.skus[3], jobs[1].params.marketplace, type, limit", "examples": ["params.skus[0]"]},
                    "message": {"type": "string", "maxLength": {{{ApiBounds.MessageMaxLength}}}, "examples": ["must match the pattern ^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"]},
                    "rule": {"type": "string", "maxLength": {{{ApiBounds.RuleMaxLength}}}, "description": "The JSON Schema keyword that failed (params errors)", "examples": ["pattern"]},
                    "value": {"description": "The value found there (params errors)"}
                  },
                  "additionalProperties": false
                }
                """),
            ["ErrorEnvelope"] = Node($$$"""
                {
                  "type": "object",
                  "description": "Every error answer",
                  "required": ["error"],
                  "properties": {
                    "error": {
                      "type": "object",
                      "required": ["code", "message"],
                      "properties": {
                        "code": {"$ref": "#/components/schemas/ErrorCode"},
                        "message": {"type": "string", "maxLength": {{{ApiBounds.MessageMaxLength}}}},
                        "details": {"type": "array", "maxItems": {{{ApiBounds.MaxDetails}}}, "items": {"$ref": "#/components/schemas/FieldError"}}
                      },
                      "additionalProperties": false
                    }
                  },
                  "additionalProperties": false
                }
                """),
            ["Health"] = Node("""
                {"type": "object", "required": ["status"], "properties": {"status": {"type": "string", "enum": ["ok", "ready"]}}, "additionalProperties": false}
                """),
        };

        foreach (var type in JobTypes.All) schemas[ParamsSchemaName(type)] = ParamsSchema(type);
        // A single dispatch may name its own webhook receiver; a batch's jobs may not (the gateway refuses it there).
        AddDispatchVariants(schemas, "DispatchJobRequest", DispatchSchemaName, callbackUrl: true,
            "A job to dispatch: its type, the type's params and a priority (default normal)");
        AddDispatchVariants(schemas, "BatchJobRequest", BatchItemSchemaName, callbackUrl: false,
            "One job of a batch: as a dispatch, without a callback_url");
        schemas["DispatchBatchRequest"] = Node($$$"""
            {
              "type": "object",
              "description": "1-{{{AiJobBatch.MaxJobs}}} jobs; sequential runs them in order (each starts after the previous completed)",
              "required": ["jobs"],
              "properties": {
                "jobs": {"type": "array", "minItems": 1, "maxItems": {{{AiJobBatch.MaxJobs}}}, "items": {"$ref": "#/components/schemas/BatchJobRequest"}},
                "sequential": {"type": "boolean", "default": false}
              },
              "additionalProperties": false
            }
            """);
        OpenApiWebhookSchemas.AddTo(schemas);
        return schemas;
    }

    /// <summary>The committed params schema of a type, as a component (its own $schema dropped: the document's dialect is 2020-12).</summary>
    private static JsonObject ParamsSchema(string type)
    {
        var schema = (JsonObject)JsonNode.Parse(JobParamsSchemas.Of(type).Document.GetRawText())!;
        schema.Remove("$schema");
        return schema;
    }

    private static JsonObject Envelope(string reference) => Node($$$"""
        {"type": "object", "required": ["data"], "properties": {"data": {"$ref": "{{{reference}}}"}}, "additionalProperties": false}
        """);

    private static string Counts() => JsonSerializer.Serialize(
        new[] { "total", "queued", "running", "completed", "failed", "cancelled" }.ToDictionary(n => n, _ => new { type = "integer", format = "int32", minimum = 0, maximum = AiJobBatch.MaxJobs }));

    private static string Enum(IEnumerable<string> values) => JsonSerializer.Serialize(values.ToArray());

    private static JsonObject Node(string json) => (JsonObject)JsonNode.Parse(json)!;
}
