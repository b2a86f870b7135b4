namespace Nexus.Gateway.Api;

/// <summary>Every error code the API answers with, and the constructors that pair each with its HTTP status.</summary>
public static class ErrorCodes
{
    public const string InvalidJson = "INVALID_JSON";
    public const string InvalidRequest = "INVALID_REQUEST";
    public const string InvalidQuery = "INVALID_QUERY";
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
    public const string MethodNotAllowed = "METHOD_NOT_ALLOWED";
    public const string JobNotCancellable = "JOB_NOT_CANCELLABLE";
    public const string PayloadTooLarge = "PAYLOAD_TOO_LARGE";
    public const string UnsupportedMediaType = "UNSUPPORTED_MEDIA_TYPE";
    public const string QueueFull = "QUEUE_FULL";
    public const string UpstreamUnavailable = "UPSTREAM_UNAVAILABLE";
    public const string NotReady = "NOT_READY";
    public const string Internal = "INTERNAL_ERROR";

    /// <summary>Every code with its HTTP status; the OpenAPI document and the README list these.</summary>
    public static readonly IReadOnlyDictionary<string, int> Statuses = new Dictionary<string, int>
    {
        [InvalidJson] = 400, [InvalidQuery] = 400, [InvalidIdempotencyKey] = 400, [TenantRequired] = 400,
        [Unauthenticated] = 401,
        [InsufficientScope] = 403, [TenantNotAllowed] = 403,
        [JobNotFound] = 404, [BatchNotFound] = 404, [NotFound] = 404,
        [MethodNotAllowed] = 405,
        [JobNotCancellable] = 409,
        [PayloadTooLarge] = 413,
        [UnsupportedMediaType] = 415,
        [InvalidRequest] = 422, [InvalidJobType] = 422, [InvalidParams] = 422, [InvalidPriority] = 422,
        [BatchTooLarge] = 422, [IdempotencyKeyReused] = 422,
        [QueueFull] = 429,
        [Internal] = 500,
        [UpstreamUnavailable] = 503, [NotReady] = 503,
    };

    public static ApiError Make(string code, string message, IReadOnlyList<FieldError>? details = null) =>
        new(Statuses[code], code, message, details);

    public static ApiError JobNotFoundError(string id) => Make(JobNotFound, $"Job '{id}' does not exist");

    public static ApiError BatchNotFoundError(string id) => Make(BatchNotFound, $"Batch '{id}' does not exist");

    public static ApiError Query(string field, string message) => Make(InvalidQuery, message, [new FieldError(field, message)]);
}
