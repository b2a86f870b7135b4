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
        schemas["Webhook"] = Node($$$"""
            {
              "type": "object",
              "description": "A subscription; secret only in the answer that created it",
              "required": ["id", "url", "events", "status", "created_at"],
              "properties": {
                "id": {"type": "string", "pattern": "^wh_[0-9A-HJKMNP-TV-Z]{26}$", "maxLength": 29},
                "url": {"type": "string", "format": "uri", "maxLength": 2048},
                "events": {"type": "array", "items": {"$ref": "#/components/schemas/WebhookEvent"}, "minItems": 1, "maxItems": {{{WebhookEvents.All.Count}}}},
                "status": {"type": "string", "enum": ["enabled", "disabled"]},
                "secret": {"$ref": "#/components/schemas/WebhookSecret"},
                "created_at": {"$ref": "#/components/schemas/Timestamp"},
                "disabled_at": {"$ref": "#/components/schemas/Timestamp"},
                "disabled_reason": {"type": "string", "maxLength": 200}
              },
              "additionalProperties": false
            }
            """);
        schemas["WebhookEnvelope"] = Envelope("#/components/schemas/Webhook");
        schemas["WebhookSecret"] = Node("""
            {"type": "string", "description": "whsec_ + base64 of the 32-byte HMAC key (Standard Webhooks)", "pattern": "^whsec_[A-Za-z0-9+/]{43}=$", "minLength": 50, "maxLength": 50}
            """);
        schemas["WebhookList"] = Node($$$"""
            {"type": "object", "required": ["data"], "properties": {"data": {"type": "array", "maxItems": {{{GatewayOptions.MaxWebhooksPerTenantLimit}}}, "items": {"$ref": "#/components/schemas/Webhook"} } }, "additionalProperties": false}
            """);
        schemas["WebhookDelivery"] = Node($$$"""
            {
              "type": "object",
              "description": "One event to one receiver; id is its webhook-id header (the same on every retry)",
              "required": ["id", "event_type", "resource_id", "url", "status", "created_at", "attempts"],
              "properties": {
                "id": {"type": "string", "pattern": "^msg_[0-9a-f]{32}$", "maxLength": 36},
                "event_type": {"$ref": "#/components/schemas/WebhookEvent"},
                "resource_id": {"type": "string", "maxLength": {{{ApiBounds.IdMaxLength}}}},
                "url": {"type": "string", "format": "uri", "maxLength": 2048},
                "status": {"type": "string", "enum": ["pending", "delivered", "failed", "disabled"]},
                "created_at": {"$ref": "#/components/schemas/Timestamp"},
                "next_attempt_at": {"$ref": "#/components/schemas/Timestamp"},
                "delivered_at": {"$ref": "#/components/schemas/Timestamp"},
                "attempts": {
                  "type": "array",
                  "description": "The last {{{WebhookDeliveryView.MaxAttemptsShown}}} attempts, oldest first",
                  "maxItems": {{{WebhookDeliveryView.MaxAttemptsShown}}},
                  "items": {
                    "type": "object",
                    "required": ["number", "started_at", "duration_ms"],
                    "properties": {
                      "number": {"type": "integer", "format": "int32", "minimum": 1, "maximum": 2147483647},
                      "started_at": {"$ref": "#/components/schemas/Timestamp"},
                      "duration_ms": {"type": "integer", "format": "int32", "minimum": 0, "maximum": 2147483647},
                      "status_code": {"type": "integer", "format": "int32", "minimum": 100, "maximum": 599},
                      "error": {"type": "string", "maxLength": 500}
                    },
                    "additionalProperties": false
                  }
                }
              },
              "additionalProperties": false
            }
            """);
        schemas["WebhookDeliveryPage"] = Node($$$"""
            {
              "type": "object",
              "required": ["data", "pagination"],
              "properties": {
                "data": {"type": "array", "maxItems": {{{WebhookEndpoints.MaxDeliveryLimit}}}, "items": {"$ref": "#/components/schemas/WebhookDelivery"}},
                "pagination": {"$ref": "#/components/schemas/Pagination"}
              },
              "additionalProperties": false
            }
            """);
        schemas["CallbackSecretEnvelope"] = Node("""
            {"type": "object", "required": ["data"], "properties": {"data": {"type": "object", "required": ["secret"], "properties": {"secret": {"$ref": "#/components/schemas/WebhookSecret"}}, "additionalProperties": false}}, "additionalProperties": false}
            """);
        schemas["CreateWebhookRequest"] = Node($$$"""
            {
              "type": "object",
              "required": ["url", "events"],
              "properties": {
                "url": {"type": "string", "format": "uri", "maxLength": 2048, "description": "https, to a public address"},
                "events": {"type": "array", "minItems": 1, "maxItems": {{{WebhookEvents.All.Count}}}, "uniqueItems": true, "items": {"$ref": "#/components/schemas/WebhookEvent"}}
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
