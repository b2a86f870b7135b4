namespace Nexus.KubeApiServer.Api;

/// <summary>A cause inside a Status error (metav1.StatusCause).</summary>
public sealed record StatusCause(string Reason, string Message, string Field);

/// <summary>
/// A client-visible failure, rendered as a Kubernetes Status object with the real reason and code,
/// so clients branch on it exactly as they would against a real API server.
/// </summary>
public sealed class ApiException : Exception
{
    public ApiException(int code, string reason, string message, JsonObject? details = null) : base(message)
    {
        Code = code;
        Reason = reason;
        Details = details;
    }

    public int Code { get; }
    public string Reason { get; }
    public JsonObject? Details { get; }

    public JsonObject ToStatus() => Status(Code, Reason, Message, Details);

    public static JsonObject Status(int code, string reason, string message, JsonObject? details = null)
    {
        var status = new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject(),
            ["status"] = "Failure",
            ["message"] = message,
        };
        if (reason.Length > 0) status["reason"] = reason;
        if (details is not null) status["details"] = details.DeepClone();
        status["code"] = code;
        return status;
    }

    static JsonObject DetailsOf(ResourceType type, string? name)
    {
        var d = new JsonObject();
        if (name is not null) d["name"] = name;
        d["group"] = type.Group;
        d["kind"] = type.Plural;
        return d;
    }

    public static ApiException NotFound(ResourceType type, string name) =>
        new(404, "NotFound", $"{type.GroupResource} \"{name}\" not found", DetailsOf(type, name));

    public static ApiException NamespaceNotFound(string ns) =>
        new(404, "NotFound", $"namespaces \"{ns}\" not found", new JsonObject { ["name"] = ns, ["kind"] = "namespaces" });

    /// <summary>401 for credentials no authenticator accepts.</summary>
    public static ApiException Unauthorized() => new(401, "Unauthorized", "Unauthorized");

    /// <summary>403 from the authorizer, with kube-apiserver's message and details (the resource as kind).</summary>
    public static ApiException Forbidden(Auth.RequestAttributes request, Auth.UserInfo user)
    {
        var details = new JsonObject();
        if (request.IsResource)
        {
            if (request.Name is not null) details["name"] = request.Name;
            details["group"] = request.Group;
            details["kind"] = request.Resource;
        }
        return new ApiException(403, "Forbidden", request.ForbiddenMessage(user), details);
    }

    public static ApiException NoSuchPath() =>
        new(404, "NotFound", "the server could not find the requested resource", new JsonObject());

    public static ApiException AlreadyExists(ResourceType type, string name) =>
        new(409, "AlreadyExists", $"{type.GroupResource} \"{name}\" already exists", DetailsOf(type, name));

    public static ApiException Conflict(ResourceType type, string name) =>
        new(409, "Conflict",
            $"Operation cannot be fulfilled on {type.GroupResource} \"{name}\": the object has been modified; please apply your changes to the latest version and try again",
            DetailsOf(type, name));

    public static ApiException ConflictMessage(ResourceType type, string name, string message) =>
        new(409, "Conflict", $"Operation cannot be fulfilled on {type.GroupResource} \"{name}\": {message}", DetailsOf(type, name));

    public static ApiException BadRequest(string message) => new(400, "BadRequest", message);

    public static ApiException MethodNotSupported(ResourceType type, string verb) =>
        new(405, "MethodNotAllowed", $"{verb} is not supported on resources of kind \"{type.GroupResource}\"", DetailsOf(type, null));

    public static ApiException UnsupportedMediaType(string contentType, string accepted) =>
        new(415, "UnsupportedMediaType",
            $"the body of the request was in an unknown format - accepted media types include: {accepted}",
            new JsonObject { ["causes"] = new JsonArray(new JsonObject { ["reason"] = "UnsupportedMediaType", ["message"] = contentType }) });

    public static ApiException Forbidden(ResourceType type, string name, string why) =>
        new(403, "Forbidden", $"{type.GroupResource} \"{name}\" is forbidden: {why}", DetailsOf(type, name));

    public static ApiException Expired(string message) => new(410, "Expired", message);

    /// <summary>
    /// What the watch cache answers when asked for a resourceVersion it has not reached within its wait
    /// (storage.NewTooLargeResourceVersionError): 504 Timeout, a ResourceVersionTooLarge cause, retry after 1 s.
    /// </summary>
    public static ApiException TooLargeResourceVersion(long requested, long current) =>
        new(504, "Timeout", $"Timeout: Too large resource version: {requested}, current: {current}", new JsonObject
        {
            ["causes"] = new JsonArray(new JsonObject { ["reason"] = "ResourceVersionTooLarge", ["message"] = "Too large resource version" }),
            ["retryAfterSeconds"] = 1,
        });

    /// <summary>
    /// Server-side apply would change fields another manager owns (and force was not set): the API server's
    /// messages, a FieldManagerConflict cause per field. <paramref name="conflicts"/> name the manager as the
    /// server prints it ("alpha", or "kubectl-edit" using apps/v1 for an Update).
    /// </summary>
    public static ApiException ApplyConflict(IReadOnlyList<(string Manager, string Field)> conflicts)
    {
        string message;
        if (conflicts.Count == 1)
            message = $"Apply failed with 1 conflict: conflict with {conflicts[0].Manager}: {conflicts[0].Field}";
        else
            message = $"Apply failed with {conflicts.Count} conflicts: " + string.Join("\n", conflicts.GroupBy(c => c.Manager)
                .OrderBy(g => g.Key, StringComparer.Ordinal)
                .SelectMany(g => new[] { $"conflicts with {g.Key}:" }.Concat(g.Select(c => $"- {c.Field}"))));
        var details = new JsonObject
        {
            ["causes"] = new JsonArray(conflicts.Select(c => (JsonNode?)new JsonObject
            {
                ["reason"] = "FieldManagerConflict", ["message"] = $"conflict with {c.Manager}", ["field"] = c.Field,
            }).ToArray()),
        };
        return new ApiException(409, "Conflict", message, details);
    }

    public static ApiException RequestEntityTooLarge(long limit) =>
        new(413, "RequestEntityTooLarge", $"Request entity too large: limit is {limit}");

    /// <summary>
    /// etcd refuses a write over its --max-request-bytes; kube-apiserver passes the error on as a Status that is
    /// not a known reason: 500 with etcd's message and no reason (kubernetes/kubernetes#112152).
    /// </summary>
    public static ApiException EtcdRequestTooLarge() => new(500, "", "etcdserver: request is too large");

    public static ApiException Invalid(ResourceType type, string name, IReadOnlyList<StatusCause> causes)
    {
        var texts = causes.Select(c => string.IsNullOrEmpty(c.Field) ? c.Message : $"{c.Field}: {c.Message}").ToList();
        var joined = texts.Count == 1 ? texts[0] : "[" + string.Join(", ", texts) + "]";
        var details = new JsonObject
        {
            ["name"] = name,
            ["group"] = type.Group,
            ["kind"] = type.Kind,
            ["causes"] = new JsonArray(causes.Select(c => (JsonNode)new JsonObject
            {
                ["reason"] = c.Reason,
                ["message"] = c.Message,
                ["field"] = c.Field,
            }).ToArray()),
        };
        return new ApiException(422, "Invalid", $"{type.GroupKind} \"{name}\" is invalid: {joined}", details);
    }

    public static ApiException Invalid(ResourceType type, string name, string reason, string field, string message) =>
        Invalid(type, name, [new StatusCause(reason, message, field)]);

    /// <summary>The Status a fault-injection hook answers with for a chosen HTTP status code.</summary>
    public static ApiException ForStatusCode(int code) => code switch
    {
        400 => new(400, "BadRequest", "injected fault: bad request"),
        401 => new(401, "Unauthorized", "Unauthorized"),
        403 => new(403, "Forbidden", "injected fault: forbidden"),
        404 => new(404, "NotFound", "injected fault: not found"),
        409 => new(409, "Conflict", "injected fault: conflict"),
        410 => new(410, "Expired", "injected fault: expired"),
        422 => new(422, "Invalid", "injected fault: invalid"),
        429 => new(429, "TooManyRequests", "injected fault: too many requests, please try again later",
            new JsonObject { ["retryAfterSeconds"] = 1 }),
        503 => new(503, "ServiceUnavailable", "injected fault: the server is currently unable to handle the request"),
        504 => new(504, "Timeout", "injected fault: the server was unable to return a response in the time allotted"),
        _ => new(code, "InternalError", "injected fault: an error on the server has prevented the request from succeeding"),
    };
}
