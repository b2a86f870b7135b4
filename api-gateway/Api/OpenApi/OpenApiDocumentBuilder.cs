using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.WebUtilities;
using Nexus.Gateway.Auth;
using Nexus.Gateway.Jobs;
using Nexus.Gateway.Outcomes;

namespace Nexus.Gateway.Api.OpenApi;

/// <summary>
/// The OpenAPI 3.1 document, built from the endpoints themselves: each route's name, summary, tags, declared results
/// and the error codes of its <see cref="RejectsAttribute"/> (with authentication's, for endpoints behind the
/// <see cref="AuthFilter"/>), typed with <see cref="OpenApiSchemas"/>. Only the query parameters and headers the
/// handlers read themselves are stated here, beside the code that reads them.
/// </summary>
public static class OpenApiDocumentBuilder
{
    public const string Path = "/openapi/v1.json";

    /// <summary>Codes any authenticated endpoint can answer with, before or around its handler.</summary>
    private static readonly string[] AuthCodes =
    [
        ErrorCodes.TenantRequired, ErrorCodes.Unauthenticated, ErrorCodes.InsufficientScope, ErrorCodes.TenantNotAllowed,
        ErrorCodes.RateLimited, ErrorCodes.UpstreamUnavailable, ErrorCodes.Internal,
    ];

    public static IEndpointRouteBuilder MapOpenApiDocument(this IEndpointRouteBuilder app)
    {
        var document = new Lazy<string>(() => Build(app.ServiceProvider.GetRequiredService<EndpointDataSource>()).ToJsonString(Indented));
        app.MapGet(Path, () => Results.Text(document.Value, "application/json; charset=utf-8")).ExcludeFromDescription();
        return app;
    }

    public static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static JsonObject Build(EndpointDataSource endpoints)
    {
        var paths = new JsonObject();
        var tags = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var endpoint in endpoints.Endpoints.OfType<RouteEndpoint>())
        {
            if (endpoint.Metadata.GetMetadata<IExcludeFromDescriptionMetadata>() is { ExcludeFromDescription: true }) continue;
            var path = "/" + endpoint.RoutePattern.RawText!.Trim('/');
            foreach (var method in endpoint.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? [])
            {
                var item = paths[path] as JsonObject ?? new JsonObject();
                paths[path] = item;
                item[method.ToLowerInvariant()] = Operation(endpoint, path);
            }
            foreach (var tag in endpoint.Metadata.GetOrderedMetadata<ITagsMetadata>().SelectMany(t => t.Tags)) tags.Add(tag);
        }

        return new JsonObject
        {
            ["openapi"] = "3.1.1",
            ["info"] = new JsonObject
            {
                ["title"] = "Nexus AI Jobs API",
                ["version"] = "1.0.0",
                ["description"] = "Dispatch AI worker jobs, poll their status and read their results. Authenticate with "
                                  + "'Authorization: Bearer <api key>'; pick the tenant with X-Tenant-ID when the key serves several. "
                                  + "Answers are {\"data\": ...}; errors are {\"error\": {\"code\", \"message\", \"details\"?}}, each code with one status: "
                                  + string.Join(", ", ErrorStatuses.ByCode.Select(kv => $"{kv.Key} ({kv.Value})")) + ".",
                ["contact"] = new JsonObject { ["name"] = "Nexus AI Jobs" },
            },
            // Relative: the gateway serving the document, in whichever environment it runs. Clients on the internet
            // call it, so it is not internal.
            ["servers"] = new JsonArray(new JsonObject
            {
                ["url"] = "/", ["x-internal"] = false,
                ["description"] = "The gateway serving this document: production, staging or a local run (make run)",
            }),
            ["tags"] = new JsonArray(tags.Select(t => (JsonNode)new JsonObject { ["name"] = t, ["description"] = TagDescription(t) }).ToArray()),
            ["paths"] = paths,
            ["components"] = new JsonObject
            {
                ["schemas"] = OpenApiSchemas.Build(),
                ["securitySchemes"] = new JsonObject
                {
                    ["apiKey"] = new JsonObject
                    {
                        ["type"] = "http", ["scheme"] = "bearer",
                        ["description"] = "An API key (nxk_...), with ai-jobs:write to dispatch and cancel, or a read scope to read",
                    },
                },
                ["headers"] = RateLimitHeaders(),
                ["parameters"] = new JsonObject
                {
                    ["TenantId"] = new JsonObject
                    {
                        ["name"] = Authenticator.TenantHeader, ["in"] = "header", ["required"] = false,
                        ["description"] = "The tenant to act for; required when the key serves several tenants (else TENANT_REQUIRED)",
                        ["schema"] = new JsonObject { ["type"] = "string", ["maxLength"] = 63, ["pattern"] = "^[a-z0-9]([a-z0-9_.-]{0,61}[a-z0-9])?$", ["examples"] = new JsonArray("demo") },
                    },
                    ["IdempotencyKey"] = new JsonObject
                    {
                        ["name"] = JobEndpoints.IdempotencyHeader, ["in"] = "header", ["required"] = false,
                        ["description"] = "The same key with the same request answers with the first answer (Idempotent-Replayed: true); with another request IDEMPOTENCY_KEY_REUSED",
                        ["schema"] = new JsonObject { ["type"] = "string", ["minLength"] = 1, ["maxLength"] = 255 },
                    },
                },
            },
        };
    }

    private static string TagDescription(string tag) => tag switch
    {
        "AI jobs" => "Dispatch, read, list and cancel jobs and batches",
        "Operations" => "Probes and metrics, for the platform rather than clients",
        _ => tag,
    };

    private static JsonObject Operation(RouteEndpoint endpoint, string path)
    {
        var metadata = endpoint.Metadata;
        var name = metadata.GetMetadata<IEndpointNameMetadata>()?.EndpointName
                   ?? throw new InvalidOperationException($"{path} has no endpoint name (operationId)");
        var produced = metadata.GetOrderedMetadata<IProducesResponseTypeMetadata>().ToList();
        var authenticated = produced.Any(p => p.StatusCode == StatusCodes.Status401Unauthorized);
        // Any endpoint can fail unexpectedly; the error pipeline answers that with 500 INTERNAL in the envelope.
        var codes = (metadata.GetMetadata<MethodInfo>()?.GetCustomAttributes<RejectsAttribute>().SelectMany(a => a.Codes) ?? [])
            .Concat(authenticated ? AuthCodes : []).Append(ErrorCodes.Internal).Distinct().ToList();

        var operation = new JsonObject
        {
            ["tags"] = new JsonArray(metadata.GetOrderedMetadata<ITagsMetadata>().SelectMany(t => t.Tags).Select(t => (JsonNode)t).ToArray()),
            ["summary"] = metadata.GetMetadata<IEndpointSummaryMetadata>()?.Summary,
            ["description"] = metadata.GetMetadata<IEndpointDescriptionMetadata>()?.Description
                              ?? metadata.GetMetadata<IEndpointSummaryMetadata>()?.Summary,
            ["operationId"] = name,
        };
        var parameters = Parameters(name, path, authenticated);
        if (parameters.Count > 0) operation["parameters"] = parameters;
        if (metadata.GetMetadata<IAcceptsMetadata>() is { RequestType: { } requestType })
            operation["requestBody"] = new JsonObject
            {
                ["required"] = true,
                ["content"] = new JsonObject { ["application/json"] = Media(requestType, RequestExample(name)) },
            };

        var responses = new JsonObject();
        foreach (var success in produced.Where(p => p.StatusCode < 400).GroupBy(p => p.StatusCode).OrderBy(g => g.Key))
            responses[success.Key.ToString(System.Globalization.CultureInfo.InvariantCulture)] = SuccessResponse(name, success.First());
        foreach (var status in produced.Where(p => p.StatusCode >= 400).Select(p => p.StatusCode)
                     .Concat(codes.Select(ErrorStatuses.Of)).Distinct().Order())
            responses[status.ToString(System.Globalization.CultureInfo.InvariantCulture)] = ErrorResponse(status, codes.Where(c => ErrorStatuses.Of(c) == status).ToList());
        // Every answer to a known key carries its rate limit (RateLimiting/ApiKeyRateLimits.cs).
        if (authenticated)
        {
            foreach (var (status, response) in responses)
            {
                if (status.StartsWith('5')) continue;
                var headers = response!["headers"] as JsonObject ?? new JsonObject();
                foreach (var header in RateLimitHeaderNames) headers[header] = new JsonObject { ["$ref"] = $"#/components/headers/{header}" };
                response["headers"] = headers;
            }
        }
        operation["responses"] = responses;
        operation["security"] = authenticated ? new JsonArray(new JsonObject { ["apiKey"] = new JsonArray() }) : new JsonArray();
        return operation;
    }

    private static JsonArray Parameters(string operation, string path, bool authenticated)
    {
        var parameters = new JsonArray();
        foreach (var segment in path.Split('/').Where(s => s.StartsWith('{')))
        {
            var name = segment.Trim('{', '}');
            parameters.Add(new JsonObject
            {
                ["name"] = name, ["in"] = "path", ["required"] = true,
                ["description"] = name == "batchId" ? "The batch id dispatch answered with (batch_...)" : "The job id dispatch answered with (job_...)",
                ["schema"] = new JsonObject { ["type"] = "string", ["maxLength"] = ApiBounds.IdMaxLength, ["examples"] = new JsonArray(name == "batchId" ? "batch_01HXK9MZPQ3B8C7D2E5F6G" : "job_01HXK9MZPQ3B8C7D2E5F6G") },
            });
        }
        if (authenticated) parameters.Add(new JsonObject { ["$ref"] = "#/components/parameters/TenantId" });
        switch (operation)
        {
            case "dispatchJob" or "dispatchBatch" or "retryJob":
                parameters.Add(new JsonObject { ["$ref"] = "#/components/parameters/IdempotencyKey" });
                break;
            case "getJob":
                parameters.Add(Query("wait", $"Long-poll: answer as soon as the job is terminal, or after this many seconds (0-{JobEndpoints.MaxWaitSeconds})",
                    new JsonObject { ["type"] = "integer", ["format"] = "int32", ["minimum"] = 0, ["maximum"] = JobEndpoints.MaxWaitSeconds }));
                break;
            case "streamJobEvents" or "streamJobEventsOfJob":
                parameters.Add(new JsonObject
                {
                    ["name"] = Events.EventEndpoints.LastEventIdHeader, ["in"] = "header", ["required"] = false,
                    ["description"] = "Resume after this event id (<epoch>-<sequence>, as the stream sent it); EventSource sends it on reconnects",
                    ["schema"] = new JsonObject { ["type"] = "string", ["maxLength"] = Events.StreamPosition.MaxLength, ["examples"] = new JsonArray("3f9a2c7e1b-1042") },
                });
                parameters.Add(Query(Events.EventEndpoints.LastEventIdQuery, "The same as the Last-Event-ID header, for clients that cannot set headers (the header wins)",
                    new JsonObject { ["type"] = "string", ["maxLength"] = Events.StreamPosition.MaxLength }));
                if (operation == "streamJobEvents") AddListFilters(parameters);
                break;
            case "listJobs":
                AddListFilters(parameters);
                parameters.Add(Query("limit", $"Results per page (default {ListQuery.DefaultLimit})",
                    new JsonObject { ["type"] = "integer", ["format"] = "int32", ["minimum"] = 1, ["maximum"] = ListQuery.MaxLimit, ["default"] = ListQuery.DefaultLimit }));
                parameters.Add(Query("cursor", "The next_cursor of the previous page", new JsonObject { ["type"] = "string", ["maxLength"] = ApiBounds.CursorMaxLength }));
                break;
        }
        return parameters;
    }

    private static void AddListFilters(JsonArray parameters)
    {
        parameters.Add(Query("type", "Filter by job type", new JsonObject { ["$ref"] = "#/components/schemas/JobType" }));
        parameters.Add(Query("status", "Filter by status", new JsonObject { ["$ref"] = "#/components/schemas/JobStatus" }));
        parameters.Add(Query("start_date", "Jobs created on or after (ISO-8601 date or date-time; a date is its first instant)", new JsonObject { ["type"] = "string", ["maxLength"] = ApiBounds.TimestampMaxLength, ["examples"] = new JsonArray("2026-03-12") }));
        parameters.Add(Query("end_date", "Jobs created on or before (ISO-8601 date or date-time; a date is its last instant)", new JsonObject { ["type"] = "string", ["maxLength"] = ApiBounds.TimestampMaxLength, ["examples"] = new JsonArray("2026-03-12T23:59:59Z") }));
        var metadata = Query("metadata", "Jobs whose metadata has every one of these key/value pairs: metadata[key]=value (the gateway also takes metadata.key=value)",
            new JsonObject { ["$ref"] = "#/components/schemas/Metadata" });
        metadata["style"] = "deepObject";
        metadata["explode"] = true;
        parameters.Add(metadata);
    }

    private static JsonObject Query(string name, string description, JsonObject schema) =>
        new() { ["name"] = name, ["in"] = "query", ["required"] = false, ["description"] = description, ["schema"] = schema };

    private static JsonObject SuccessResponse(string operation, IProducesResponseTypeMetadata produced)
    {
        var response = new JsonObject { ["description"] = ReasonPhrases.GetReasonPhrase(produced.StatusCode) };
        if (produced.StatusCode == StatusCodes.Status202Accepted)
            response["headers"] = new JsonObject
            {
                ["Location"] = Header("Where to read what was created", new JsonObject { ["type"] = "string", ["maxLength"] = 512 }),
                ["Idempotent-Replayed"] = Header("true when this is the stored answer to an earlier request with the same Idempotency-Key",
                    new JsonObject { ["type"] = "string", ["enum"] = new JsonArray("true") }),
            };
        if (produced.Type is { } type && type != typeof(void))
        {
            if (produced.ContentTypes.FirstOrDefault() is Events.EventStreamResult.MediaType)
                response["content"] = new JsonObject { [Events.EventStreamResult.MediaType] = OpenApiExamples.EventStream };
            else if (produced.ContentTypes.FirstOrDefault() is "text/plain")
                response["content"] = new JsonObject { ["text/plain"] = new JsonObject { ["schema"] = new JsonObject { ["type"] = "string" } } };
            else
                response["content"] = new JsonObject { ["application/json"] = Media(type, ResponseExamples(operation)) };
        }
        return response;
    }

    private static JsonObject ErrorResponse(int status, IReadOnlyList<string> codes)
    {
        var schema = new JsonObject
        {
            ["allOf"] = new JsonArray(
                new JsonObject { ["$ref"] = "#/components/schemas/ErrorEnvelope" },
                new JsonObject
                {
                    ["properties"] = new JsonObject
                    {
                        ["error"] = new JsonObject
                        {
                            ["properties"] = new JsonObject
                            {
                                ["code"] = new JsonObject { ["enum"] = new JsonArray(codes.Select(c => (JsonNode)c).ToArray()) },
                            },
                        },
                    },
                }),
        };
        var examples = new JsonObject();
        foreach (var code in codes) examples[code] = new JsonObject { ["value"] = OpenApiExamples.Error(code) };
        var response = new JsonObject
        {
            ["description"] = $"{ReasonPhrases.GetReasonPhrase(status)}: {string.Join(", ", codes)}",
            ["content"] = new JsonObject { ["application/json"] = new JsonObject { ["schema"] = schema, ["examples"] = examples } },
        };
        if (status == StatusCodes.Status429TooManyRequests)
            response["headers"] = new JsonObject { ["Retry-After"] = Header("Seconds to wait before retrying", new JsonObject { ["type"] = "integer", ["format"] = "int32", ["minimum"] = 0, ["maximum"] = 86400 }) };
        if (status == StatusCodes.Status401Unauthorized)
            response["headers"] = new JsonObject { ["WWW-Authenticate"] = Header("The scheme to authenticate with", new JsonObject { ["type"] = "string", ["const"] = "Bearer" }) };
        return response;
    }

    private static JsonObject Header(string description, JsonObject schema) => new() { ["description"] = description, ["schema"] = schema };

    private static readonly string[] RateLimitHeaderNames = ["RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset", "RateLimit-Policy"];

    /// <summary>The rate limit headers of the IETF draft (RateLimit header fields for HTTP), as the gateway sends them.</summary>
    private static JsonObject RateLimitHeaders()
    {
        JsonObject Count(string description) => Header(description, new JsonObject { ["type"] = "integer", ["format"] = "int32", ["minimum"] = 0, ["maximum"] = RateLimiting.KeyRateLimit.MaxBurst });
        return new JsonObject
        {
            ["RateLimit-Limit"] = Count("Requests the key may make in a burst (its token bucket's size)"),
            ["RateLimit-Remaining"] = Count("Requests left in the bucket now"),
            ["RateLimit-Reset"] = Count("Seconds until the bucket is full again"),
            ["RateLimit-Policy"] = Header("The key's policy: burst;w=1;rate=per second",
                new JsonObject { ["type"] = "string", ["maxLength"] = 40, ["pattern"] = "^[0-9]+;w=1;rate=[0-9]+$", ["examples"] = new JsonArray("200;w=1;rate=100") }),
        };
    }

    private static JsonObject Media(Type type, IReadOnlyDictionary<string, JsonNode> examples)
    {
        if (!OpenApiSchemas.NameOf.TryGetValue(type, out var name) && !OpenApiWebhookSchemas.NameOf.TryGetValue(type, out name))
            throw new InvalidOperationException($"{type} has no schema in the OpenAPI document; add it to {nameof(OpenApiSchemas)}");
        var media = new JsonObject { ["schema"] = new JsonObject { ["$ref"] = $"#/components/schemas/{name}" } };
        if (examples.Count > 0)
        {
            var named = new JsonObject();
            foreach (var (key, value) in examples) named[key] = new JsonObject { ["value"] = value.DeepClone() };
            media["examples"] = named;
        }
        return media;
    }

    private static IReadOnlyDictionary<string, JsonNode> RequestExample(string operation) => operation switch
    {
        "dispatchJob" => new Dictionary<string, JsonNode> { ["pricing"] = OpenApiExamples.DispatchRequest },
        "dispatchBatch" => new Dictionary<string, JsonNode> { ["sequential"] = OpenApiExamples.BatchRequest },
        _ => new Dictionary<string, JsonNode>(),
    };

    private static IReadOnlyDictionary<string, JsonNode> ResponseExamples(string operation) => operation switch
    {
        "dispatchJob" => new Dictionary<string, JsonNode> { ["queued"] = OpenApiExamples.Dispatched },
        "getJob" => new Dictionary<string, JsonNode> { ["completed"] = OpenApiExamples.Completed, ["failed"] = OpenApiExamples.Failed },
        "listJobs" => new Dictionary<string, JsonNode> { ["page"] = OpenApiExamples.Page },
        "dispatchBatch" => new Dictionary<string, JsonNode> { ["queued"] = OpenApiExamples.BatchDispatched },
        "getBatch" => new Dictionary<string, JsonNode> { ["running"] = OpenApiExamples.Batch },
        _ => new Dictionary<string, JsonNode>(),
    };
}
