using System.Text.Json.Nodes;
using Nexus.Gateway.Jobs;
using Nexus.Gateway.Webhooks;
using Nexus.Shared.History;

namespace Nexus.Gateway.Api.OpenApi;

/// <summary>The webhook endpoints' bodies in the OpenAPI document (their views are in <c>Webhooks/WebhookViews.cs</c>).</summary>
public static class OpenApiWebhookSchemas
{
    public static readonly IReadOnlyDictionary<Type, string> NameOf = new Dictionary<Type, string>
    {
        [typeof(DataEnvelope<WebhookView>)] = "WebhookEnvelope",
        [typeof(WebhookListEnvelope)] = "WebhookList",
        [typeof(DeliveryListEnvelope)] = "WebhookDeliveryPage",
        [typeof(DataEnvelope<CallbackSecretView>)] = "CallbackSecretEnvelope",
        [typeof(CreateWebhookBody)] = "CreateWebhookRequest",
    };

    public static void AddTo(JsonObject schemas)
    {
        var events = string.Join(", ", WebhookEvents.All.Select(e => $"\"{e}\""));
        schemas["WebhookEvent"] = Node($$$"""{"type": "string", "enum": [{{{events}}}]}""");
        schemas["Webhook"] = Node("""
            {
              "type": "object",
              "description": "A subscription; secret only in the answer that created it",
              "required": ["id", "url", "events", "status", "created_at"],
              "properties": {
                "id": {"type": "string", "pattern": "^wh_[0-9A-HJKMNP-TV-Z]{26}$"},
                "url": {"type": "string", "format": "uri", "maxLength": 2048},
                "events": {"type": "array", "items": {"$ref": "#/components/schemas/WebhookEvent"}, "minItems": 1},
                "status": {"type": "string", "enum": ["enabled", "disabled"]},
                "secret": {"type": "string", "description": "whsec_ + base64 key (Standard Webhooks)"},
                "created_at": {"$ref": "#/components/schemas/Timestamp"},
                "disabled_at": {"$ref": "#/components/schemas/Timestamp"},
                "disabled_reason": {"type": "string"}
              },
              "additionalProperties": false
            }
            """);
        schemas["WebhookEnvelope"] = Envelope("#/components/schemas/Webhook");
        schemas["WebhookList"] = Node("""
            {"type": "object", "required": ["data"], "properties": {"data": {"type": "array", "items": {"$ref": "#/components/schemas/Webhook"}}}, "additionalProperties": false}
            """);
        schemas["WebhookDelivery"] = Node("""
            {
              "type": "object",
              "description": "One event to one receiver; id is its webhook-id header (the same on every retry)",
              "required": ["id", "event_type", "resource_id", "url", "status", "created_at", "attempts"],
              "properties": {
                "id": {"type": "string"},
                "event_type": {"$ref": "#/components/schemas/WebhookEvent"},
                "resource_id": {"type": "string"},
                "url": {"type": "string"},
                "status": {"type": "string", "enum": ["pending", "delivered", "failed", "disabled"]},
                "created_at": {"$ref": "#/components/schemas/Timestamp"},
                "next_attempt_at": {"$ref": "#/components/schemas/Timestamp"},
                "delivered_at": {"$ref": "#/components/schemas/Timestamp"},
                "attempts": {
                  "type": "array",
                  "items": {
                    "type": "object",
                    "required": ["number", "started_at", "duration_ms"],
                    "properties": {
                      "number": {"type": "integer", "minimum": 1},
                      "started_at": {"$ref": "#/components/schemas/Timestamp"},
                      "duration_ms": {"type": "integer", "minimum": 0},
                      "status_code": {"type": "integer"},
                      "error": {"type": "string"}
                    },
                    "additionalProperties": false
                  }
                }
              },
              "additionalProperties": false
            }
            """);
        schemas["WebhookDeliveryPage"] = Node("""
            {
              "type": "object",
              "required": ["data", "pagination"],
              "properties": {
                "data": {"type": "array", "items": {"$ref": "#/components/schemas/WebhookDelivery"}},
                "pagination": {"$ref": "#/components/schemas/Pagination"}
              },
              "additionalProperties": false
            }
            """);
        schemas["CallbackSecretEnvelope"] = Node("""
            {"type": "object", "required": ["data"], "properties": {"data": {"type": "object", "required": ["secret"], "properties": {"secret": {"type": "string"}}, "additionalProperties": false}}, "additionalProperties": false}
            """);
        schemas["CreateWebhookRequest"] = Node("""
            {
              "type": "object",
              "required": ["url", "events"],
              "properties": {
                "url": {"type": "string", "format": "uri", "maxLength": 2048, "description": "https, to a public address"},
                "events": {"type": "array", "minItems": 1, "uniqueItems": true, "items": {"$ref": "#/components/schemas/WebhookEvent"}}
              },
              "additionalProperties": false
            }
            """);
    }

    private static JsonObject Envelope(string reference) => Node($$$"""
        {"type": "object", "required": ["data"], "properties": {"data": {"$ref": "{{{reference}}}"}}, "additionalProperties": false}
        """);

    private static JsonObject Node(string json) => (JsonObject)JsonNode.Parse(json)!;
}
