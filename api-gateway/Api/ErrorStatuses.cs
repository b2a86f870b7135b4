using Nexus.Gateway.Outcomes;
using Nexus.Gateway.Webhooks;

namespace Nexus.Gateway.Api;

/// <summary>The one mapping from an error code to its HTTP status; the OpenAPI document and the README list these.</summary>
public static class ErrorStatuses
{
    public static readonly IReadOnlyDictionary<string, int> ByCode = new Dictionary<string, int>
    {
        [ErrorCodes.InvalidJson] = 400, [ErrorCodes.InvalidQuery] = 400, [ErrorCodes.InvalidLastEventId] = 400, [ErrorCodes.InvalidIdempotencyKey] = 400,
        [ErrorCodes.TenantRequired] = 400, [ErrorCodes.MalformedRequest] = 400, [ErrorCodes.DuplicateKey] = 400,
        [ErrorCodes.Unauthenticated] = 401,
        [ErrorCodes.InsufficientScope] = 403, [ErrorCodes.TenantNotAllowed] = 403,
        [ErrorCodes.JobNotFound] = 404, [ErrorCodes.BatchNotFound] = 404, [ErrorCodes.NotFound] = 404,
        [ErrorCodes.DashboardNotBuilt] = 404, [WebhookErrors.WebhookNotFound] = 404,
        [ErrorCodes.MethodNotAllowed] = 405,
        [ErrorCodes.RequestTimeout] = 408,
        [ErrorCodes.JobNotCancellable] = 409, [ErrorCodes.JobNotRetryable] = 409, [WebhookErrors.TooManyWebhooks] = 409,
        [ErrorCodes.LengthRequired] = 411,
        [ErrorCodes.PayloadTooLarge] = 413,
        [ErrorCodes.UriTooLong] = 414,
        [ErrorCodes.UnsupportedMediaType] = 415,
        [ErrorCodes.InvalidRequest] = 422, [ErrorCodes.InvalidJobType] = 422, [ErrorCodes.InvalidParams] = 422,
        [ErrorCodes.InvalidPriority] = 422, [ErrorCodes.BatchTooLarge] = 422, [ErrorCodes.IdempotencyKeyReused] = 422,
        [WebhookErrors.InvalidWebhookUrl] = 422, [WebhookErrors.InvalidWebhookEvents] = 422, [WebhookErrors.InvalidCallbackUrl] = 422,
        [ErrorCodes.QueueFull] = 429, [ErrorCodes.RateLimited] = 429, [ErrorCodes.TooManyStreams] = 429,
        [ErrorCodes.HeadersTooLarge] = 431,
        [ErrorCodes.Internal] = 500,
        [ErrorCodes.UpstreamUnavailable] = 503, [ErrorCodes.NotReady] = 503, [ErrorCodes.HistoryUnavailable] = 503,
        [ErrorCodes.HttpVersionNotSupported] = 505,
    };

    public static int Of(string code) => ByCode[code];

    /// <summary>
    /// The code of an answer decided by HTTP status alone (the web server's own refusals, empty answers the framework
    /// gave): the code whose status it is, or MALFORMED_REQUEST for a 4xx no code has.
    /// </summary>
    public static string CodeOfStatus(int status) => status switch
    {
        400 => ErrorCodes.MalformedRequest,
        404 => ErrorCodes.NotFound,
        405 => ErrorCodes.MethodNotAllowed,
        408 => ErrorCodes.RequestTimeout,
        411 => ErrorCodes.LengthRequired,
        413 => ErrorCodes.PayloadTooLarge,
        414 => ErrorCodes.UriTooLong,
        415 => ErrorCodes.UnsupportedMediaType,
        429 => ErrorCodes.RateLimited,
        431 => ErrorCodes.HeadersTooLarge,
        503 => ErrorCodes.UpstreamUnavailable,
        505 => ErrorCodes.HttpVersionNotSupported,
        >= 500 => ErrorCodes.Internal,
        _ => ErrorCodes.MalformedRequest,
    };
}
