using Nexus.Gateway.Outcomes;

namespace Nexus.Gateway.Webhooks;

/// <summary>The error codes of the webhook endpoints and of a dispatch's <c>callback_url</c> (statuses in <see cref="Api.ErrorStatuses"/>).</summary>
public static class WebhookErrors
{
    public const string InvalidWebhookUrl = "INVALID_WEBHOOK_URL";
    public const string InvalidWebhookEvents = "INVALID_WEBHOOK_EVENTS";
    public const string InvalidCallbackUrl = "INVALID_CALLBACK_URL";
    public const string WebhookNotFound = "WEBHOOK_NOT_FOUND";
    public const string TooManyWebhooks = "TOO_MANY_WEBHOOKS";

    public static Rejection NotFound(string id) => new(WebhookNotFound, $"Webhook '{id}' does not exist");

    public static Rejection CallbackUrl(string reason) =>
        new(InvalidCallbackUrl, $"callback_url {reason}", [new FieldError("callback_url", reason)]);
}
