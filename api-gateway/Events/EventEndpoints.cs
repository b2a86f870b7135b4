using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Nexus.Crds.Entities;
using Nexus.Gateway.Api;
using Nexus.Gateway.Auth;
using Nexus.Gateway.Cache;
using Nexus.Gateway.Jobs;
using Nexus.Gateway.Outcomes;

namespace Nexus.Gateway.Events;

/// <summary>
/// Server-Sent Events of job changes: one job's until it is terminal, or a tenant's (the list's filters). Read scope,
/// tenant-scoped as GET is. Everything that can be refused is refused before the stream starts, in the API's error
/// envelope; once streaming, the only news besides <c>job</c> events is <c>reset</c>.
/// </summary>
public static class EventEndpoints
{
    public const string LastEventIdHeader = "Last-Event-ID";
    public const string LastEventIdQuery = "last_event_id";

    public static RouteGroupBuilder MapJobEventEndpoints(this RouteGroupBuilder jobs)
    {
        AuthFilter.Require(jobs.MapGet("/events", TenantEvents).WithName("streamJobEvents")
            .WithSummary("Stream the tenant's job changes (Server-Sent Events)").WithDescription(
                "Required scope: ai-jobs:read (or any read scope). Takes the list's filters (type, status, start_date, end_date, metadata); "
                + "a job is sent when its new state matches them or its previous one did (so a job leaving a status filter is seen leaving). "
                + "Resume with Last-Event-ID (or ?last_event_id=) to get exactly the events after that id; when the gateway no longer holds it, "
                + "the stream starts with a reset event and the client re-reads (GET /api/ai-jobs)."), Access.Read);

        AuthFilter.Require(jobs.MapGet("/{jobId}/events", JobEvents).WithName("streamJobEventsOfJob")
            .WithSummary("Stream one job's changes until it is terminal (Server-Sent Events)").WithDescription(
                "Required scope: ai-jobs:read (or any read scope). The first event is the job's current view; the stream ends after its terminal view "
                + "(a finished job: that view only). Resuming with Last-Event-ID sends exactly the events after it; 204 when the job's terminal view "
                + "was already sent, so EventSource clients stop reconnecting."), Access.Read)
            .AllowQuery(LastEventIdQuery);
        return jobs;
    }

    [Rejects(ErrorCodes.InvalidQuery, ErrorCodes.InvalidJobType, ErrorCodes.InvalidLastEventId, ErrorCodes.TooManyStreams)]
    private static Results<EventStreamResult, ApiError> TenantEvents(HttpContext http, EventRing ring, EventStreamSettings settings, StreamSlots slots)
    {
        var caller = AuthFilter.CallerOf(http);
        var (query, rejection) = ListQuery.ParseFilters(http.Request.Query, LastEventIdQuery);
        if (rejection is not null) return new ApiError(rejection);
        if (!TryLastEventId(http, out var last, out var bad)) return new ApiError(bad!);
        if (slots.TryTake(caller.Key.Name) is not { } slot) return new ApiError(TooManyStreams(slots));
        var tenant = caller.Tenant;
        var (after, reason) = ring.Resume(last);
        return new EventStreamResult(ring, settings, new StreamStart(after, Visible) { ResetReason = reason, Slot = slot });

        bool Visible(JobChange c) => query!.Matches(c.Tenant, c.Type, c.Phase, c.CreatedAt, c.Metadata, tenant)
                                     || (c.PreviousPhase is { } was && query.Matches(c.Tenant, c.Type, was, c.CreatedAt, c.Metadata, tenant));
    }

    [Rejects(ErrorCodes.InvalidQuery, ErrorCodes.InvalidLastEventId, ErrorCodes.JobNotFound, ErrorCodes.HistoryUnavailable, ErrorCodes.TooManyStreams)]
    private static async Task<Results<EventStreamResult, NoContent, ApiError>> JobEvents(HttpContext http, string jobId, JobReader reader, JobViews views,
        EventRing ring, EventStreamSettings settings, StreamSlots slots)
    {
        var answer = await OpenJobEventsAsync(http, jobId, reader, views, ring, settings);
        if (answer.Result is not EventStreamResult stream) return answer;
        // Counted only once the job is known to exist: a stream of a missing job never holds a slot.
        if (slots.TryTake(AuthFilter.CallerOf(http).Key.Name) is not { } slot) return new ApiError(TooManyStreams(slots));
        return stream.WithSlot(slot);
    }

    private static Rejection TooManyStreams(StreamSlots slots) =>
        new(ErrorCodes.TooManyStreams, $"API key holds {slots.PerKey} open event streams on this gateway, its limit; close one, or retry after 5 s")
        {
            RetryAfterSeconds = 5,
        };

    private static async Task<Results<EventStreamResult, NoContent, ApiError>> OpenJobEventsAsync(HttpContext http, string jobId, JobReader reader, JobViews views,
        EventRing ring, EventStreamSettings settings)
    {
        var caller = AuthFilter.CallerOf(http);
        if (!TryLastEventId(http, out var last, out var bad)) return new ApiError(bad!);
        if (!ApiIds.TryJobName(jobId, out var name)) return new ApiError(ErrorCodes.JobNotFoundError(jobId));
        var tenant = caller.Tenant;
        bool Visible(JobChange c) => c.Name == name && c.Tenant == tenant;

        var (after, reason) = ring.Resume(last);
        var resuming = last is not null && reason is null;
        var cached = await reader.FindJobAsync(name, http.RequestAborted);
        if (cached is not null && cached.Tenant == tenant)
        {
            var latest = ring.Latest(name);
            if (resuming)
            {
                // The client has every change up to its id: nothing more when that includes the terminal one.
                if (latest is { Terminal: true } && latest.Sequence <= after) return TypedResults.NoContent();
                return new EventStreamResult(ring, settings, new StreamStart(after, Visible) { JobName = name });
            }
            // A fresh start: the job's newest change in the ring is its first event, and the stream goes on after
            // it. A job the ring has not taken in yet has its changes on the way: they come as events.
            if (latest is null) return new EventStreamResult(ring, settings, new StreamStart(after, Visible) { JobName = name, ResetReason = reason });
            return new EventStreamResult(ring, settings, new StreamStart(Math.Max(after, latest.Sequence), Visible)
            {
                JobName = name, ResetReason = reason, Snapshot = await latest.ViewJsonAsync(), SnapshotTerminal = latest.Terminal,
            });
        }

        // Not live (or another tenant's): a finished job read from the history database, as GET does.
        var archived = await views.OfArchivedAsync(tenant, ResourceIds.JobIdFromName(name), http.RequestAborted);
        if (archived is null) return new ApiError(ErrorCodes.JobNotFoundError(jobId));
        if (resuming)
        {
            // Its terminal change after the client's id is still to be sent; else the client had it.
            for (var sequence = after + 1; sequence <= ring.Head; sequence++)
                if (ring.TryGet(sequence, out var change) && Visible(change) && !change.Gone && change.Terminal)
                    return new EventStreamResult(ring, settings, new StreamStart(after, Visible) { JobName = name });
            return TypedResults.NoContent();
        }
        return new EventStreamResult(ring, settings, new StreamStart(after, Visible)
        {
            JobName = name, ResetReason = reason, Snapshot = JsonSerializer.Serialize(archived, ApiJson.Options), SnapshotTerminal = true,
        });
    }

    /// <summary>The client's last event id: the header (EventSource sets it on reconnects), else the query parameter.</summary>
    private static bool TryLastEventId(HttpContext http, out StreamPosition? last, out Rejection? rejection)
    {
        last = null;
        rejection = null;
        var header = http.Request.Headers[LastEventIdHeader].ToString().Trim();
        var (text, from) = header.Length > 0 ? (header, LastEventIdHeader) : (http.Request.Query[LastEventIdQuery].ToString().Trim(), LastEventIdQuery);
        if (text.Length == 0) return true;
        if (!StreamPosition.TryParse(text, out var position))
        {
            var shown = text.Length > StreamPosition.MaxLength ? text[..StreamPosition.MaxLength] + "..." : text;
            rejection = new Rejection(ErrorCodes.InvalidLastEventId,
                $"{from} must be an id this API sent (<epoch>-<sequence>), got '{shown}'", [new FieldError(from, "must be <epoch>-<sequence>")]);
            return false;
        }
        last = position;
        return true;
    }
}
