using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http.HttpResults;
using Nexus.Crds.Entities;
using Nexus.Gateway.Api;
using Nexus.Gateway.Auth;
using Nexus.Gateway.Extensions;
using Nexus.Gateway.Jobs;
using Nexus.Gateway.Outcomes;
using Nexus.Shared.History;
using WebhookStore = Nexus.Shared.History.Webhooks;

namespace Nexus.Gateway.Webhooks;

/// <summary>
/// A tenant's webhook subscriptions and their deliveries: create (the only answer with the secret), list, read,
/// delete, the deliveries with every attempt; and the key and deliveries of jobs' own <c>callback_url</c>s. All need
/// <c>ai-jobs:write</c>; ids of another tenant are answered 404 like jobs.
/// </summary>
public static partial class WebhookEndpoints
{
    public const int DefaultDeliveryLimit = 20;
    public const int MaxDeliveryLimit = 100;

    private static readonly HashSet<string> BodyFields = ["url", "events"];
    private static readonly HashSet<string> DeliveryQuery = ["limit", "cursor"];

    public static IEndpointRouteBuilder MapWebhookEndpoints(this IEndpointRouteBuilder app)
    {
        var hooks = app.MapGroup("/api/webhooks").WithTags("Webhooks");
        const string scope = "Required scope: ai-jobs:write.";

        Guard(AuthFilter.Require(hooks.MapPost("", Create).WithName("createWebhook").WithSummary("Subscribe a URL to job and batch events")
            .WithDescription($"{scope} events: {string.Join(", ", WebhookEvents.All)}. The answer is the only one that shows the secret.")
            .Accepts<CreateWebhookBody>("application/json"), Access.Write));
        Guard(AuthFilter.Require(hooks.MapGet("", List).WithName("listWebhooks").WithSummary("The tenant's webhooks").WithDescription(scope), Access.Write));
        Guard(AuthFilter.Require(hooks.MapGet("/callback-secret", CallbackSecret).WithName("getCallbackSecret")
            .WithSummary("The key that signs deliveries to jobs' own callback_url").WithDescription(scope), Access.Write));
        Guard(AuthFilter.Require(hooks.MapGet("/callback-deliveries", CallbackDeliveries).WithName("listCallbackDeliveries")
            .WithSummary("Deliveries to jobs' own callback_url, newest first, with every attempt").WithDescription(scope), Access.Write));
        Guard(AuthFilter.Require(hooks.MapGet("/{webhookId}", Get).WithName("getWebhook").WithSummary("One webhook").WithDescription(scope), Access.Write));
        Guard(AuthFilter.Require(hooks.MapDelete("/{webhookId}", Delete).WithName("deleteWebhook")
            .WithSummary("Delete a webhook; its pending deliveries are not sent").WithDescription(scope), Access.Write));
        Guard(AuthFilter.Require(hooks.MapGet("/{webhookId}/deliveries", Deliveries).WithName("listWebhookDeliveries")
            .WithSummary("A webhook's deliveries, newest first, with every attempt").WithDescription(scope), Access.Write));
        return app;
    }

    /// <summary>After authentication: the history database must be configured and migrated; an outage answers 503.</summary>
    private static void Guard(RouteHandlerBuilder endpoint) => endpoint.AddEndpointFilter(async (context, next) =>
    {
        var services = context.HttpContext.RequestServices;
        if (!services.GetRequiredService<History.HistoryReadiness>().IsMigrated)
            return new ApiError(new Rejection(ErrorCodes.HistoryUnavailable, "The job history database is not ready yet; retry"));
        try
        {
            return await next(context).ConfigureAwait(false);
        }
        catch (HistoryUnavailableException)
        {
            return new ApiError(new Rejection(ErrorCodes.HistoryUnavailable, "The job history database is unavailable; retry"));
        }
    });

    private static WebhookStore Store(HttpContext http) => http.RequestServices.GetRequiredService<HistoryDatabase>().Webhooks;

    [Rejects(ErrorCodes.InvalidJson, ErrorCodes.PayloadTooLarge, ErrorCodes.UnsupportedMediaType, ErrorCodes.InvalidRequest,
        WebhookErrors.InvalidWebhookUrl, WebhookErrors.InvalidWebhookEvents, WebhookErrors.TooManyWebhooks)]
    private static async Task<Results<Created<DataEnvelope<WebhookView>>, ApiError>> Create(HttpContext http, GatewayOptions options, WebhookUrlPolicy policy)
    {
        var caller = AuthFilter.CallerOf(http);
        var (document, unreadable) = await RequestBody.ReadJsonAsync(http.Request, options.MaxBodyBytes, http.RequestAborted);
        if (unreadable is not null) return new ApiError(unreadable);
        using (document)
        {
            ((string Url, IReadOnlyList<string> Events)? request, Rejection? invalid) parsed;
            try
            {
                parsed = ParseCreate(document!.RootElement, policy);
            }
            catch (InvalidOperationException)
            {
                // JSON may escape an unpaired UTF-16 surrogate, which GetString refuses to decode.
                parsed = (null, new Rejection(ErrorCodes.InvalidRequest, "Invalid request (body: contains a string that is not valid Unicode)"));
            }
            var (request, invalid) = parsed;
            if (invalid is not null) return new ApiError(invalid);
            var created = await Store(http).CreateSubscriptionAsync(caller.Tenant, request!.Value.Url, request.Value.Events,
                options.MaxWebhooksPerTenant, http.RequestAborted);
            if (created is null)
                return new ApiError(new Rejection(WebhookErrors.TooManyWebhooks,
                    $"A tenant has at most {options.MaxWebhooksPerTenant} webhooks; delete one first"));
            return TypedResults.Created($"/api/webhooks/{created.Id}", new DataEnvelope<WebhookView>(WebhookView.Of(created, withSecret: true)));
        }
    }

    private static async Task<Ok<WebhookListEnvelope>> List(HttpContext http, CancellationToken ct)
    {
        var caller = AuthFilter.CallerOf(http);
        var all = await Store(http).ListSubscriptionsAsync(caller.Tenant, http.RequestAborted);
        return TypedResults.Ok(new WebhookListEnvelope(all.Select(s => WebhookView.Of(s)).ToList()));
    }

    [Rejects(WebhookErrors.WebhookNotFound)]
    private static async Task<Results<Ok<DataEnvelope<WebhookView>>, ApiError>> Get(HttpContext http, string webhookId)
    {
        var caller = AuthFilter.CallerOf(http);
        var found = IsWebhookId(webhookId) ? await Store(http).GetSubscriptionAsync(caller.Tenant, webhookId, http.RequestAborted) : null;
        return found is null ? new ApiError(WebhookErrors.NotFound(webhookId)) : TypedResults.Ok(new DataEnvelope<WebhookView>(WebhookView.Of(found)));
    }

    [Rejects(WebhookErrors.WebhookNotFound)]
    private static async Task<Results<NoContent, ApiError>> Delete(HttpContext http, string webhookId)
    {
        var caller = AuthFilter.CallerOf(http);
        var deleted = IsWebhookId(webhookId) && await Store(http).DeleteSubscriptionAsync(caller.Tenant, webhookId, http.RequestAborted);
        return deleted ? TypedResults.NoContent() : new ApiError(WebhookErrors.NotFound(webhookId));
    }

    [Rejects(WebhookErrors.WebhookNotFound, ErrorCodes.InvalidQuery)]
    private static async Task<Results<Ok<DeliveryListEnvelope>, ApiError>> Deliveries(HttpContext http, string webhookId)
    {
        var caller = AuthFilter.CallerOf(http);
        if (!IsWebhookId(webhookId) || await Store(http).GetSubscriptionAsync(caller.Tenant, webhookId, http.RequestAborted) is null)
            return new ApiError(WebhookErrors.NotFound(webhookId));
        return await DeliveryPageAsync(http, caller.Tenant, webhookId);
    }

    [Rejects(ErrorCodes.InvalidQuery)]
    private static async Task<Results<Ok<DeliveryListEnvelope>, ApiError>> CallbackDeliveries(HttpContext http, CancellationToken ct) =>
        await DeliveryPageAsync(http, AuthFilter.CallerOf(http).Tenant, null);

    private static async Task<Ok<DataEnvelope<CallbackSecretView>>> CallbackSecret(HttpContext http, CancellationToken ct)
    {
        var secret = await Store(http).GetCallbackSecretAsync(AuthFilter.CallerOf(http).Tenant, http.RequestAborted);
        return TypedResults.Ok(new DataEnvelope<CallbackSecretView>(new CallbackSecretView(secret)));
    }

    private static async Task<Results<Ok<DeliveryListEnvelope>, ApiError>> DeliveryPageAsync(HttpContext http, string tenant, string? subscriptionId)
    {
        var query = http.Request.Query;
        foreach (var key in query.Keys)
            if (!DeliveryQuery.Contains(key)) return new ApiError(ErrorCodes.Query(key, $"unknown query parameter '{key}'; known: limit, cursor"));
        var limit = DefaultDeliveryLimit;
        if (query.TryGetValue("limit", out var limitText)
            && (!int.TryParse(limitText[^1], NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit < 1 || limit > MaxDeliveryLimit))
            return new ApiError(ErrorCodes.Query("limit", $"must be an integer from 1 to {MaxDeliveryLimit}"));
        string? cursor = null;
        if (query.TryGetValue("cursor", out var cursorText))
        {
            cursor = cursorText[^1];
            if (cursor is null || !DeliveryId().IsMatch(cursor)) return new ApiError(ErrorCodes.Query("cursor", "is not a cursor this API gave"));
        }
        var page = await Store(http).ListDeliveriesAsync(tenant, subscriptionId, limit, cursor, http.RequestAborted);
        var next = page.HasMore ? page.Deliveries[^1].Id : null;
        return TypedResults.Ok(new DeliveryListEnvelope(page.Deliveries.Select(WebhookDeliveryView.Of).ToList(), new PageView(limit, page.HasMore, next)));
    }

    /// <summary>The body of a create: <c>{"url", "events"}</c>, or the rejection naming every problem found.</summary>
    public static ((string Url, IReadOnlyList<string> Events)? Request, Rejection? Rejection) ParseCreate(JsonElement body, WebhookUrlPolicy policy)
    {
        if (body.ValueKind != JsonValueKind.Object)
            return (null, new Rejection(ErrorCodes.InvalidRequest, "Invalid request (body: must be a JSON object)", [new FieldError("body", "must be a JSON object")]));
        var details = new List<FieldError>();
        string? code = null;
        void Fail(string errorCode, string field, string message)
        {
            code ??= errorCode;
            details.Add(new FieldError(field, message));
        }
        foreach (var property in body.EnumerateObject())
            if (!BodyFields.Contains(property.Name)) Fail(ErrorCodes.InvalidRequest, property.Name, "unknown field; known: url, events");

        string? url = null;
        if (!body.TryGetProperty("url", out var urlElement) || urlElement.ValueKind != JsonValueKind.String)
            Fail(WebhookErrors.InvalidWebhookUrl, "url", "is required and must be a string");
        else if (policy.Check(urlElement.GetString(), out var uri) is { } reason) Fail(WebhookErrors.InvalidWebhookUrl, "url", reason);
        else url = uri!.OriginalString;

        var events = new List<string>();
        if (!body.TryGetProperty("events", out var eventsElement) || eventsElement.ValueKind != JsonValueKind.Array || eventsElement.GetArrayLength() == 0)
            Fail(WebhookErrors.InvalidWebhookEvents, "events", $"is required: a non-empty array of {string.Join(", ", WebhookEvents.All)}");
        else
        {
            var i = 0;
            foreach (var item in eventsElement.EnumerateArray())
            {
                var name = item.ValueKind == JsonValueKind.String ? item.GetString() : null;
                if (!WebhookEvents.IsKnown(name)) Fail(WebhookErrors.InvalidWebhookEvents, $"events[{i}]", $"must be one of {string.Join(", ", WebhookEvents.All)}");
                else if (!events.Contains(name!)) events.Add(name!);
                i++;
            }
        }
        if (code is not null)
        {
            var message = code switch
            {
                WebhookErrors.InvalidWebhookUrl => $"Webhook url refused ({details.First(d => d.Field == "url").Message})",
                WebhookErrors.InvalidWebhookEvents => $"Invalid webhook events ({details.First(d => d.Field.StartsWith("events", StringComparison.Ordinal)).Message})",
                _ => $"Invalid request ({details[0].Field}: {details[0].Message})",
            };
            return (null, new Rejection(code, message, details));
        }
        return ((url!, events), null);
    }

    private static bool IsWebhookId(string id) => id.StartsWith("wh_", StringComparison.Ordinal) && Ulid.IsValid(id.AsSpan(3));

    [GeneratedRegex("^msg_[0-9a-f]{32}$")]
    private static partial Regex DeliveryId();
}
