using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Nexus.Crds.Entities;
using Nexus.Gateway.Auth;
using Nexus.Gateway.Cache;
using Nexus.Gateway.Events;
using Nexus.Gateway.History;
using Nexus.Gateway.Jobs;
using Nexus.Gateway.Outcomes;
using Nexus.Gateway.Validation;
using Nexus.Shared.History;

namespace Nexus.Gateway.Api;

/// <summary>
/// The AI Jobs REST API: dispatch, read, list, cancel, batches. Handlers turn requests into calls of the domain and
/// its outcomes into answers; each declares its results (and, in <see cref="RejectsAttribute"/>, the error codes it
/// can answer with), which the OpenAPI document is built from.
/// </summary>
public static class JobEndpoints
{
    public const string IdempotencyHeader = "Idempotency-Key";
    public const string ReplayedHeader = "Idempotent-Replayed";
    public const int MaxWaitSeconds = 60;

    public static IEndpointRouteBuilder MapJobEndpoints(this IEndpointRouteBuilder app)
    {
        var jobs = app.MapGroup("/api/ai-jobs").WithTags("AI jobs");
        // Whatever needs the history database while it is down (archived reads, lists, Idempotency-Keys) answers 503
        // HISTORY_UNAVAILABLE, never a 500; what needs only etcd goes on working.
        jobs.AddEndpointFilter(async (context, next) =>
        {
            try
            {
                return await next(context);
            }
            catch (HistoryUnavailableException ex)
            {
                context.HttpContext.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Nexus.Gateway.History")
                    .LogWarning("{Method} {Path}: {Reason}", context.HttpContext.Request.Method, context.HttpContext.Request.Path, ex.Message);
                return new ApiError(ErrorCodes.HistoryUnavailableError());
            }
        });

        AuthFilter.Require(jobs.MapPost("", Dispatch).WithName("dispatchJob")
            .WithSummary("Dispatch a job").WithDescription("Required scope: ai-jobs:write. Optional Idempotency-Key header.")
            .Accepts<DispatchJobBody>(RequestBody.JsonMediaTypes[0], RequestBody.JsonMediaTypes[1..]), Access.Write).AllowQuery();

        AuthFilter.Require(jobs.MapGet("", List).WithName("listJobs")
            .WithSummary("List jobs, newest first").WithDescription("Required scope: ai-jobs:read (or any read scope). Cursor paging."), Access.Read);

        AuthFilter.Require(jobs.MapPost("/batch", DispatchBatch).WithName("dispatchBatch")
            .WithSummary("Dispatch 1-20 jobs at once").WithDescription("Required scope: ai-jobs:write. sequential=true runs them in order.")
            .Accepts<DispatchBatchBody>(RequestBody.JsonMediaTypes[0], RequestBody.JsonMediaTypes[1..]), Access.Write).AllowQuery();

        AuthFilter.Require(jobs.MapGet("/batch/{batchId}", GetBatch).WithName("getBatch")
            .WithSummary("A batch's aggregate status and its jobs").WithDescription("Required scope: ai-jobs:read (or any read scope)."), Access.Read)
            .AllowQuery();

        jobs.MapJobEventEndpoints();

        AuthFilter.Require(jobs.MapGet("/{jobId}", Get).WithName("getJob")
            .WithSummary("Job status and result").WithDescription(
                $"Required scope: ai-jobs:read (or any read scope). ?wait=N (N <= {MaxWaitSeconds}) answers as soon as the job is terminal or after N seconds."),
            Access.Read).AllowQuery("wait");

        AuthFilter.Require(jobs.MapDelete("/{jobId}", Cancel).WithName("cancelJob")
            .WithSummary("Cancel a queued job").WithDescription("Required scope: ai-jobs:write. 409 JOB_NOT_CANCELLABLE once running."), Access.Write).AllowQuery();

        AuthFilter.Require(jobs.MapPost("/{jobId}/retry", Retry).WithName("retryJob")
            .WithSummary("Dispatch a failed or cancelled job again").WithDescription(
                "Required scope: ai-jobs:write. A new job with the same type, params, priority, max_retries, timeout_seconds and metadata; " +
                "its retry_of names the first job. No body. 409 JOB_NOT_RETRYABLE unless the job failed or was cancelled. Optional Idempotency-Key header."),
            Access.Write).AllowQuery();
        return app;
    }

    [Rejects(ErrorCodes.InvalidIdempotencyKey, ErrorCodes.InvalidJson, ErrorCodes.DuplicateKey, ErrorCodes.InvalidQuery, ErrorCodes.PayloadTooLarge, ErrorCodes.UnsupportedMediaType,
        ErrorCodes.InvalidJobType, ErrorCodes.InvalidParams, ErrorCodes.InvalidPriority, ErrorCodes.IdempotencyKeyReused, ErrorCodes.QueueFull,
        ErrorCodes.HistoryUnavailable, Webhooks.WebhookErrors.InvalidCallbackUrl)]
    private static async Task<Results<Accepted<DataEnvelope<JobView>>, ApiError>> Dispatch(HttpContext http, JobSubmitter submitter, GatewayOptions options)
    {
        var caller = AuthFilter.CallerOf(http);
        if (!TryIdempotencyKey(http, out var key, out var keyRejection)) return new ApiError(keyRejection!);
        var (document, unreadable) = await RequestBody.ReadJsonAsync(http.Request, options.MaxBodyBytes, http.RequestAborted);
        if (unreadable is not null) return new ApiError(unreadable);
        using (document)
        {
            var parsed = JobRequestParser.ParseJob(document!.RootElement);
            if (!parsed.Ok) return new ApiError(parsed.ToRejection());
            var outcome = await submitter.SubmitAsync(caller, parsed.Job!, key, http.RequestAborted);
            if (outcome.Rejection is { } rejection) return new ApiError(rejection);
            var view = outcome.Created!;
            if (outcome.Replayed) http.Response.Headers[ReplayedHeader] = "true";
            return TypedResults.Accepted($"/api/ai-jobs/{view.Id}", new DataEnvelope<JobView>(view));
        }
    }

    [Rejects(ErrorCodes.InvalidIdempotencyKey, ErrorCodes.InvalidJson, ErrorCodes.DuplicateKey, ErrorCodes.InvalidQuery, ErrorCodes.PayloadTooLarge, ErrorCodes.UnsupportedMediaType,
        ErrorCodes.InvalidRequest, ErrorCodes.InvalidJobType, ErrorCodes.InvalidParams, ErrorCodes.InvalidPriority, ErrorCodes.BatchTooLarge, ErrorCodes.IdempotencyKeyReused, ErrorCodes.QueueFull,
        ErrorCodes.HistoryUnavailable)]
    private static async Task<Results<Accepted<DataEnvelope<BatchDispatchView>>, ApiError>> DispatchBatch(HttpContext http,
        BatchSubmitter submitter, GatewayOptions options)
    {
        var caller = AuthFilter.CallerOf(http);
        if (!TryIdempotencyKey(http, out var key, out var keyRejection)) return new ApiError(keyRejection!);
        var (document, unreadable) = await RequestBody.ReadJsonAsync(http.Request, options.MaxBodyBytes, http.RequestAborted);
        if (unreadable is not null) return new ApiError(unreadable);
        using (document)
        {
            var (batch, invalid) = BatchRequestParser.Parse(document!.RootElement);
            if (invalid is not null) return new ApiError(invalid);
            var outcome = await submitter.SubmitAsync(caller, batch!, key, http.RequestAborted);
            if (outcome.Rejection is { } rejection) return new ApiError(rejection);
            var view = outcome.Created!;
            if (outcome.Replayed) http.Response.Headers[ReplayedHeader] = "true";
            return TypedResults.Accepted($"/api/ai-jobs/batch/{view.BatchId}", new DataEnvelope<BatchDispatchView>(view));
        }
    }

    [Rejects(ErrorCodes.InvalidQuery, ErrorCodes.JobNotFound, ErrorCodes.HistoryUnavailable)]
    private static async Task<Results<Ok<DataEnvelope<JobView>>, ApiError>> Get(HttpContext http, string jobId, JobReader reader, JobViews views)
    {
        var caller = AuthFilter.CallerOf(http);
        var wait = 0;
        if (http.Request.Query.TryGetValue("wait", out var waitText)
            && (!int.TryParse(waitText[^1], NumberStyles.None, CultureInfo.InvariantCulture, out wait) || wait > MaxWaitSeconds))
            return new ApiError(ErrorCodes.Query("wait", $"must be an integer from 0 to {MaxWaitSeconds} (seconds)"));
        if (!ApiIds.TryJobName(jobId, out var name)) return new ApiError(ErrorCodes.JobNotFoundError(jobId));

        var job = await reader.FindJobAsync(name, http.RequestAborted);
        if (job is not null && job.Tenant == caller.Tenant)
        {
            if (wait > 0 && !job.IsTerminal) job = await reader.WaitForTerminalAsync(job, TimeSpan.FromSeconds(wait), http.RequestAborted);
            return TypedResults.Ok(new DataEnvelope<JobView>(await views.OfCachedAsync(job, http.RequestAborted)));
        }
        // Not live (or another tenant's): finished jobs leave etcd for the history database.
        var archived = await views.OfArchivedAsync(caller.Tenant, ResourceIds.JobIdFromName(name), http.RequestAborted);
        return archived is null ? new ApiError(ErrorCodes.JobNotFoundError(jobId)) : TypedResults.Ok(new DataEnvelope<JobView>(archived));
    }

    [Rejects(ErrorCodes.InvalidQuery, ErrorCodes.InvalidJobType, ErrorCodes.HistoryUnavailable)]
    private static async Task<Results<Ok<ListEnvelope>, ApiError>> List(HttpContext http, JobLister lister)
    {
        var caller = AuthFilter.CallerOf(http);
        var (query, rejection) = ListQuery.Parse(http.Request.Query);
        if (rejection is not null) return new ApiError(rejection);
        var page = await lister.ListAsync(query!, caller.Tenant, http.RequestAborted);
        return TypedResults.Ok(new ListEnvelope(page.Jobs, new PageView(query!.Limit, page.HasMore, page.Next?.Encode())));
    }

    [Rejects(ErrorCodes.InvalidQuery, ErrorCodes.JobNotFound, ErrorCodes.JobNotCancellable, ErrorCodes.HistoryUnavailable)]
    private static async Task<Results<NoContent, ApiError>> Cancel(HttpContext http, string jobId, JobCanceller canceller, HistoryReadiness history)
    {
        var caller = AuthFilter.CallerOf(http);
        if (!ApiIds.TryJobName(jobId, out var name)) return new ApiError(ErrorCodes.JobNotFoundError(jobId));
        var outcome = await canceller.CancelAsync(caller, name, http.RequestAborted);
        // A job gone from etcd may be archived: finished, so not cancellable (as it was before it left).
        if (outcome.Result == CancelResult.NotFound
            && await history.Ready().Jobs.GetJobAsync(caller.Tenant, ResourceIds.JobIdFromName(name), includeResult: false, http.RequestAborted) is { } archived)
            outcome = new CancelOutcome(archived.Status == JobPhases.Cancelled ? CancelResult.Cancelled : CancelResult.NotCancellable, archived.Status);
        return outcome.Result switch
        {
            CancelResult.Cancelled => TypedResults.NoContent(),
            CancelResult.NotFound => new ApiError(ErrorCodes.JobNotFoundError(jobId)),
            CancelResult.NotCancellable => new ApiError(new Rejection(ErrorCodes.JobNotCancellable,
                $"Job is {JobMapper.StatusOf(outcome.Phase!)} and cannot be cancelled; only queued jobs can")),
            _ => new ApiError(new Rejection(ErrorCodes.UpstreamUnavailable, "The job kept changing while cancelling it; retry")),
        };
    }

    [Rejects(ErrorCodes.InvalidIdempotencyKey, ErrorCodes.InvalidQuery, ErrorCodes.JobNotFound, ErrorCodes.JobNotRetryable,
        ErrorCodes.IdempotencyKeyReused, ErrorCodes.QueueFull, ErrorCodes.HistoryUnavailable)]
    private static async Task<Results<Accepted<DataEnvelope<JobView>>, ApiError>> Retry(HttpContext http, string jobId, JobRetrier retrier)
    {
        var caller = AuthFilter.CallerOf(http);
        if (!TryIdempotencyKey(http, out var key, out var keyRejection)) return new ApiError(keyRejection!);
        if (!ApiIds.TryJobName(jobId, out var name)) return new ApiError(ErrorCodes.JobNotFoundError(jobId));
        var outcome = await retrier.RetryAsync(caller, name, key, http.RequestAborted);
        if (outcome.Rejection is { Code: ErrorCodes.JobNotFound }) return new ApiError(ErrorCodes.JobNotFoundError(jobId));
        if (outcome.Rejection is { } rejection) return new ApiError(rejection);
        var view = outcome.Created!;
        if (outcome.Replayed) http.Response.Headers[ReplayedHeader] = "true";
        return TypedResults.Accepted($"/api/ai-jobs/{view.Id}", new DataEnvelope<JobView>(view));
    }

    [Rejects(ErrorCodes.InvalidQuery, ErrorCodes.BatchNotFound, ErrorCodes.HistoryUnavailable)]
    private static async Task<Results<Ok<DataEnvelope<BatchView>>, ApiError>> GetBatch(HttpContext http, string batchId, JobReader reader, JobCache jobs,
        HistoryReadiness history)
    {
        var caller = AuthFilter.CallerOf(http);
        if (!ApiIds.TryBatchName(batchId, out var name)) return new ApiError(ErrorCodes.BatchNotFoundError(batchId));
        var batch = await reader.FindBatchAsync(name, http.RequestAborted);
        if (batch is not null && batch.Spec.Tenant == caller.Tenant)
        {
            CachedJob? Find(string n) => jobs.TryGet(n, out var j) ? j : null;
            var archivedChildren = new Dictionary<string, ArchivedJob>(StringComparer.Ordinal);
            try
            {
                var gone = BatchMapper.GoneChildren(batch, Find).ToList();
                foreach (var child in await history.Ready().Jobs.GetJobsAsync(caller.Tenant, gone, http.RequestAborted)) archivedChildren[child.Id] = child;
            }
            catch (HistoryUnavailableException)
            {
                // The batch is live: its gone children show their recorded phase until the database is back.
            }
            return TypedResults.Ok(new DataEnvelope<BatchView>(BatchMapper.ToView(batch, Find, archivedChildren)));
        }
        var archived = await history.Ready().Jobs.GetBatchAsync(caller.Tenant, ResourceIds.BatchIdFromName(name), includeResults: false, http.RequestAborted);
        return archived is null
            ? new ApiError(ErrorCodes.BatchNotFoundError(batchId))
            : TypedResults.Ok(new DataEnvelope<BatchView>(BatchMapper.ToView(archived)));
    }

    private static bool TryIdempotencyKey(HttpContext http, out string? key, out Rejection? rejection)
    {
        key = null;
        rejection = null;
        if (!http.Request.Headers.TryGetValue(IdempotencyHeader, out var values)) return true;
        var text = values.ToString().Trim();
        if (!IdempotencyKeys.IsValidKey(text))
        {
            rejection = new Rejection(ErrorCodes.InvalidIdempotencyKey,
                $"{IdempotencyHeader} must be 1-{IdempotencyKeys.MaxKeyLength} visible ASCII characters");
            return false;
        }
        key = text;
        return true;
    }
}
