using System.Text.Json.Nodes;

namespace Nexus.Gateway.Api.OpenApi;

/// <summary>The API reference's own examples (ai-jobs-api: dispatch, completed and failed job, batch), per operation.</summary>
internal static class OpenApiExamples
{
    public static readonly JsonNode DispatchRequest = Parse("""
        {"type": "pricing_recalculate", "params": {"skus": ["SKU-001", "SKU-002"], "marketplace": "amazon_us", "apply": false}, "priority": "normal"}
        """);

    public static readonly JsonNode Dispatched = Parse("""
        {
          "data": {
            "id": "job_01HXK9MZPQ3B8C7D2E5F6G", "type": "pricing_recalculate", "status": "queued", "priority": "normal",
            "params": {"skus": ["SKU-001", "SKU-002"], "marketplace": "amazon_us", "apply": false},
            "created_at": "2026-03-12T14:32:01.123Z", "estimated_completion_at": "2026-03-12T14:32:31.123Z"
          }
        }
        """);

    public static readonly JsonNode Completed = Parse("""
        {
          "data": {
            "id": "job_01HXK9MZPQ3B8C7D2E5F6G", "type": "pricing_recalculate", "status": "completed",
            "started_at": "2026-03-12T14:32:05.000Z", "completed_at": "2026-03-12T14:32:32.000Z", "duration_seconds": 27,
            "result": {
              "processed_count": 2, "updated_count": 1,
              "recommendations": [
                {"sku": "SKU-001", "current_price": 14.99, "recommended_price": 13.49, "confidence": 0.87, "applied": false},
                {"sku": "SKU-002", "current_price": 8.99, "recommended_price": 8.99, "confidence": 0.92, "reasoning": "Current price is already optimal", "applied": false}
              ]
            }
          }
        }
        """);

    public static readonly JsonNode Failed = Parse("""
        {
          "data": {
            "id": "job_01HXK9MZPQ3B8C7D2E5F6G", "type": "pricing_recalculate", "status": "failed",
            "error": {"code": "WORKER_TIMEOUT", "message": "Worker did not respond within the timeout window", "retry_count": 2}
          }
        }
        """);

    public static readonly JsonNode Page = Parse("""
        {
          "data": [{"id": "job_01HXK9MZPQ3B8C7D2E5F6G", "type": "pricing_recalculate", "status": "queued", "priority": "normal",
                    "params": {"skus": ["SKU-001"], "marketplace": "amazon_us"}, "created_at": "2026-03-12T14:32:01.123Z"}],
          "pagination": {"limit": 1, "has_more": true, "next_cursor": "AZXlMXd7MDFIWEs5TVpQM0I4QzdEMkU1RjZH"}
        }
        """);

    public static readonly JsonNode BatchRequest = Parse("""
        {
          "jobs": [
            {"type": "competitor_scan", "params": {"skus": ["SKU-001"], "marketplace": "amazon_us"}},
            {"type": "pricing_recalculate", "params": {"skus": ["SKU-001"], "marketplace": "amazon_us", "apply": true}}
          ],
          "sequential": true
        }
        """);

    public static readonly JsonNode BatchDispatched = Parse("""
        {
          "data": {
            "batch_id": "batch_01HXK9MZPQ3B8C7D2E5F6G",
            "jobs": [
              {"id": "job_01HXK9MZPQ3B8C7D2E5F6H", "type": "competitor_scan", "status": "queued"},
              {"id": "job_01HXK9MZPQ3B8C7D2E5F6J", "type": "pricing_recalculate", "status": "queued"}
            ]
          }
        }
        """);

    public static readonly JsonNode Batch = Parse("""
        {
          "data": {
            "batch_id": "batch_01HXK9MZPQ3B8C7D2E5F6G", "status": "running", "sequential": true, "created_at": "2026-03-12T14:32:01.123Z",
            "counts": {"total": 2, "queued": 1, "running": 1, "completed": 0, "failed": 0, "cancelled": 0},
            "jobs": [
              {"id": "job_01HXK9MZPQ3B8C7D2E5F6H", "type": "competitor_scan", "status": "running", "batch_id": "batch_01HXK9MZPQ3B8C7D2E5F6G"},
              {"id": "job_01HXK9MZPQ3B8C7D2E5F6J", "type": "pricing_recalculate", "status": "queued", "batch_id": "batch_01HXK9MZPQ3B8C7D2E5F6G"}
            ]
          }
        }
        """);

    /// <summary>An example error for a code, with field details for the validation codes.</summary>
    /// <summary>The <c>text/event-stream</c> answer of the event streams: its schema (text) and a sample.</summary>
    public static JsonObject EventStream => new()
    {
        ["schema"] = new JsonObject
        {
            ["type"] = "string",
            ["description"] = "Server-Sent Events: 'retry:' once; then events of 'id: <epoch>-<sequence>', 'event: job' (data: the job's view, as GET answers "
                              + "its data) or 'event: reset' (data: {\"reason\": \"unknown_epoch\"|\"expired\"|\"too_slow\", \"message\"}: re-read the jobs; "
                              + "too_slow also closes the stream), 'data:' one line of JSON; ': heartbeat' comments keep idle streams open.",
        },
        ["examples"] = new JsonObject
        {
            ["job"] = new JsonObject
            {
                ["value"] = "retry: 3000\nid: 3f9a2c7e1b-1041\nevent: job\ndata: {\"id\":\"job_01HXK9MZPQ3B8C7D2E5F6G\",\"type\":\"pricing_recalculate\",\"status\":\"running\","
                            + "\"priority\":\"normal\",\"created_at\":\"2026-03-12T14:32:01.123Z\",\"started_at\":\"2026-03-12T14:32:05.000Z\"}\n\n: heartbeat\n\n",
            },
            ["reset"] = new JsonObject
            {
                ["value"] = "retry: 3000\nid: 3f9a2c7e1b-1042\nevent: reset\ndata: {\"reason\":\"expired\",\"message\":\"the changes since your Last-Event-ID are not kept here; re-read, then go on with this stream\"}\n\n",
            },
        },
    };

    public static JsonNode Error(string code) => code switch
    {
        "INVALID_PARAMS" => Parse("""
            {"error": {"code": "INVALID_PARAMS", "message": "Invalid params for this job type (params.skus[0]: must match the pattern ^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$)",
              "details": [{"field": "params.skus[0]", "message": "must match the pattern ^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$", "rule": "pattern", "value": "has space"}]}}
            """),
        "INVALID_QUERY" => Parse("""
            {"error": {"code": "INVALID_QUERY", "message": "must be an integer from 1 to 200", "details": [{"field": "limit", "message": "must be an integer from 1 to 200"}]}}
            """),
        _ => new JsonObject { ["error"] = new JsonObject { ["code"] = code, ["message"] = Messages.GetValueOrDefault(code, "See the code's description") } },
    };

    private static readonly Dictionary<string, string> Messages = new()
    {
        ["INVALID_LAST_EVENT_ID"] = "Last-Event-ID must be an id this API sent (<epoch>-<sequence>), got 'abc'",
        ["JOB_NOT_FOUND"] = "Job 'job_01HXK9MZPQ3B8C7D2E5F6G' does not exist",
        ["BATCH_NOT_FOUND"] = "Batch 'batch_01HXK9MZPQ3B8C7D2E5F6G' does not exist",
        ["INVALID_JOB_TYPE"] = "Unknown or missing job type (type: unknown job type 'teleport')",
        ["QUEUE_FULL"] = "Job queue is at capacity; retry later",
        ["TOO_MANY_STREAMS"] = "API key holds 1000 open event streams on this gateway, its limit; close one, or retry after 5 s",
        ["INSUFFICIENT_SCOPE"] = "API key lacks ai-jobs:write scope",
        ["JOB_NOT_CANCELLABLE"] = "Job is running and cannot be cancelled; only queued jobs can",
        ["UNAUTHENTICATED"] = "Missing or unknown API key",
        ["TENANT_REQUIRED"] = "This key serves several tenants: send X-Tenant-ID",
        ["UPSTREAM_UNAVAILABLE"] = "The Kubernetes API is unavailable; retry",
        ["INVALID_JSON"] = "Request body is not valid JSON",
        ["PAYLOAD_TOO_LARGE"] = "Request body is larger than 1048576 bytes",
        ["UNSUPPORTED_MEDIA_TYPE"] = "Content-Type must be application/json",
        ["INTERNAL_ERROR"] = "Internal error",
        ["NOT_READY"] = "Caches are not synced yet: aijobs",
        ["INVALID_IDEMPOTENCY_KEY"] = "Idempotency-Key must be 1-255 visible ASCII characters",
        ["BATCH_TOO_LARGE"] = "A batch holds at most 20 jobs, got 21",
        ["INVALID_REQUEST"] = "Unknown fields in batch request",
    };

    private static JsonNode Parse(string json) => JsonNode.Parse(json)!;
}
