namespace Nexus.Gateway.Outcomes;

/// <summary>Every error code the API answers with (the API reference's), and shorthands for the common rejections.</summary>
public static class ErrorCodes
{
    public const string InvalidJson = "INVALID_JSON";
    public const string InvalidRequest = "INVALID_REQUEST";
    public const string InvalidQuery = "INVALID_QUERY";
    public const string InvalidLastEventId = "INVALID_LAST_EVENT_ID";
    public const string InvalidJobType = "INVALID_JOB_TYPE";
    public const string InvalidParams = "INVALID_PARAMS";
    public const string InvalidPriority = "INVALID_PRIORITY";
    public const string BatchTooLarge = "BATCH_TOO_LARGE";
    public const string InvalidIdempotencyKey = "INVALID_IDEMPOTENCY_KEY";
    public const string IdempotencyKeyReused = "IDEMPOTENCY_KEY_REUSED";
    public const string Unauthenticated = "UNAUTHENTICATED";
    public const string InsufficientScope = "INSUFFICIENT_SCOPE";
    public const string TenantRequired = "TENANT_REQUIRED";
    public const string TenantNotAllowed = "TENANT_NOT_ALLOWED";
    public const string JobNotFound = "JOB_NOT_FOUND";
    public const string BatchNotFound = "BATCH_NOT_FOUND";
    public const string NotFound = "NOT_FOUND";
    public const string DashboardNotBuilt = "DASHBOARD_NOT_BUILT";
    public const string MethodNotAllowed = "METHOD_NOT_ALLOWED";
    public const string JobNotCancellable = "JOB_NOT_CANCELLABLE";
    public const string JobNotRetryable = "JOB_NOT_RETRYABLE";
    public const string PayloadTooLarge = "PAYLOAD_TOO_LARGE";
    public const string UnsupportedMediaType = "UNSUPPORTED_MEDIA_TYPE";
    public const string QueueFull = "QUEUE_FULL";
    public const string UpstreamUnavailable = "UPSTREAM_UNAVAILABLE";
    public const string NotReady = "NOT_READY";
    public const string HistoryUnavailable = Nexus.Shared.History.HistoryUnavailableException.ErrorCode;
    public const string Internal = "INTERNAL_ERROR";

    // Answers about the HTTP request itself, many decided by the web server before the app runs (Api/ServerRejections).
    public const string MalformedRequest = "MALFORMED_REQUEST";
    public const string DuplicateKey = "DUPLICATE_KEY";
    public const string RequestTimeout = "REQUEST_TIMEOUT";
    public const string LengthRequired = "LENGTH_REQUIRED";
    public const string UriTooLong = "URI_TOO_LONG";
    public const string HeadersTooLarge = "HEADERS_TOO_LARGE";
    public const string HttpVersionNotSupported = "HTTP_VERSION_NOT_SUPPORTED";
    public const string RateLimited = "RATE_LIMITED";
    public const string TooManyStreams = "TOO_MANY_STREAMS";

    public static Rejection JobNotFoundError(string id) => new(JobNotFound, $"Job '{id}' does not exist");

    public static Rejection BatchNotFoundError(string id) => new(BatchNotFound, $"Batch '{id}' does not exist");

    public static Rejection HistoryUnavailableError() =>
        new(HistoryUnavailable, "The job history database is unavailable; live jobs are still served, retry this later") { RetryAfterSeconds = 5 };

    public static Rejection Query(string field, string message) => new(InvalidQuery, message, [new FieldError(field, message)]);
}
