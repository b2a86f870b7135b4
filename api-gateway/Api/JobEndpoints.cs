using System.Globalization;
using Nexus.Gateway.Auth;
using Nexus.Gateway.Cache;
using Nexus.Gateway.Idempotency;
using Nexus.Gateway.Jobs;
using Nexus.Gateway.Validation;

namespace Nexus.Gateway.Api;

/// <summary>The AI Jobs REST API: dispatch, read, list, cancel, batches.</summary>
public static class JobEndpoints
{
    public const string IdempotencyHeader = "Idempotency-Key";
    public const string ReplayedHeader = "Idempotent-Replayed";
    public const int MaxWaitSeconds = 60;

    public static void Map(IEndpointRouteBuilder app)
    {
        var jobs = app.MapGroup("/api/ai-jobs").WithTags("AI jobs");

        jobs.MapPost("", Dispatch).WithName("dispatchJob")
            .WithSummary("Dispatch a job").WithDescription("Required scope: ai-jobs:write. Optional Idempotency-Key header.")
            .Accepts<DispatchJobBody>("application/json")
            .Produces<DataEnvelope<JobView>>(StatusCodes.Status202Accepted)
            .ProducesErrors(400, 401, 403, 413, 415, 422, 429, 503)
            .AddEndpointFilter(new AuthFilter(Access.Write));

        jobs.MapGet("", List).WithName("listJobs")
            .WithSummary("List jobs, newest first").WithDescription("Required scope: ai-jobs:read (or any read scope). Cursor paging.")
            .Produces<ListEnvelope>()
            .ProducesErrors(400, 401, 403, 422, 503)
            .AddEndpointFilter(new AuthFilter(Access.Read));

        jobs.MapPost("/batch", DispatchBatch).WithName("dispatchBatch")
            .WithSummary("Dispatch 1-20 jobs at once").WithDescription("Required scope: ai-jobs:write. sequential=true runs them in order.")
            .Accepts<DispatchBatchBody>("application/json")
            .Produces<DataEnvelope<BatchDispatchView>>(StatusCodes.Status202Accepted)
            .ProducesErrors(400, 401, 403, 413, 415, 422, 429, 503)
            .AddEndpointFilter(new AuthFilter(Access.Write));

        jobs.MapGet("/batch/{batchId}", GetBatch).WithName("getBatch")
            .WithSummary("A batch's aggregate status and its jobs").WithDescription("Required scope: ai-jobs:read (or any read scope).")
            .Produces<DataEnvelope<BatchView>>()
            .ProducesErrors(401, 403, 404, 503)
            .AddEndpointFilter(new AuthFilter(Access.Read));

        jobs.MapGet("/{jobId}", Get).WithName("getJob")
            .WithSummary("Job status and result").WithDescription(
                $"Required scope: ai-jobs:read (or any read scope). ?wait=N (N <= {MaxWaitSeconds}) answers as soon as the job is terminal or after N seconds.")
            .Produces<DataEnvelope<JobView>>()
            .ProducesErrors(400, 401, 403, 404, 503)
            .AddEndpointFilter(new AuthFilter(Access.Read));

        jobs.MapDelete("/{jobId}", Cancel).WithName("cancelJob")
            .WithSummary("Cancel a queued job").WithDescription("Required scope: ai-jobs:write. 409 JOB_NOT_CANCELLABLE once running.")
            .Produces(StatusCodes.Status204NoContent)
            .ProducesErrors(401, 403, 404, 409, 503)
            .AddEndpointFilter(new AuthFilter(Access.Write));
    }

    private static async Task<IResult> Dispatch(HttpContext http, JobDispatcher dispatcher, GatewayOptions options)
    {
        var caller = AuthFilter.CallerOf(http);
        if (!TryIdempotencyKey(http, out var key, out var keyError)) return keyError!;
        var (document, error) = await RequestBody.ReadJsonAsync(http.Request, options.MaxBodyBytes, http.RequestAborted);
        if (error is not null) return error;
        using (document)
        {
            var outcome = JobRequestParser.ParseJob(document!.RootElement);
            if (!outcome.Ok) return ErrorCodes.Make(outcome.Code!, MessageFor(outcome.Code!, outcome.Details), outcome.Details);
            var result = await dispatcher.DispatchAsync(caller, outcome.Job!, key, http.RequestAborted);
            if (result.Error is not null) return result.Error;
            http.Response.Headers.Location = $"/api/ai-jobs/{result.View!.Id}";
            if (result.Replayed) http.Response.Headers[ReplayedHeader] = "true";
            return Results.Json(new DataEnvelope<JobView>(result.View), ApiJson.Options, statusCode: StatusCodes.Status202Accepted);
        }
    }

    private static async Task<IResult> DispatchBatch(HttpContext http, BatchDispatcher dispatcher, GatewayOptions options)
    {
        var caller = AuthFilter.CallerOf(http);
        if (!TryIdempotencyKey(http, out var key, out var keyError)) return keyError!;
        var (document, error) = await RequestBody.ReadJsonAsync(http.Request, options.MaxBodyBytes, http.RequestAborted);
        if (error is not null) return error;
        using (document)
        {
            var (batch, invalid) = BatchRequestParser.Parse(document!.RootElement);
            if (invalid is not null) return invalid;
            var result = await dispatcher.DispatchAsync(caller, batch!, key, http.RequestAborted);
            if (result.Error is not null) return result.Error;
            http.Response.Headers.Location = $"/api/ai-jobs/batch/{result.View!.BatchId}";
            if (result.Replayed) http.Response.Headers[ReplayedHeader] = "true";
            return Results.Json(new DataEnvelope<BatchDispatchView>(result.View), ApiJson.Options, statusCode: StatusCodes.Status202Accepted);
        }
    }

    private static async Task<IResult> Get(HttpContext http, string jobId, JobReader reader, JobStore store, ResultResolver results)
    {
        var caller = AuthFilter.CallerOf(http);
        var wait = 0;
        if (http.Request.Query.TryGetValue("wait", out var waitText)
            && (!int.TryParse(waitText[^1], NumberStyles.None, CultureInfo.InvariantCulture, out wait) || wait > MaxWaitSeconds))
            return ErrorCodes.Query("wait", $"must be an integer from 0 to {MaxWaitSeconds} (seconds)");
        if (!ApiIds.TryJobName(jobId, out var name)) return ErrorCodes.JobNotFoundError(jobId);

        var job = await reader.FindJobAsync(name, http.RequestAborted);
        if (job is null || job.Tenant != caller.Tenant) return ErrorCodes.JobNotFoundError(jobId);
        if (wait > 0 && !job.IsTerminal) job = await WaitForTerminalAsync(store, job, TimeSpan.FromSeconds(wait), http.RequestAborted);

        var result = job.Job.Status?.ResultRef is not null ? await results.ResolveAsync(job, http.RequestAborted) : null;
        return Results.Json(new DataEnvelope<JobView>(JobMapper.ToView(job, result)), ApiJson.Options);
    }

    private static IResult List(HttpContext http, JobStore store)
    {
        var caller = AuthFilter.CallerOf(http);
        var (query, error) = ListQuery.Parse(http.Request.Query);
        if (error is not null) return error;
        var (page, hasMore) = query!.Run(store.All, caller.Tenant);
        var next = hasMore ? new PageCursor(page[^1].CreatedAt.ToUnixTimeMilliseconds(), page[^1].Name).Encode() : null;
        var views = page.Select(j => JobMapper.ToView(j)).ToList();
        return Results.Json(new ListEnvelope(views, new PageView(query.Limit, hasMore, next)), ApiJson.Options);
    }

    private static async Task<IResult> Cancel(HttpContext http, string jobId, JobCanceller canceller)
    {
        var caller = AuthFilter.CallerOf(http);
        if (!ApiIds.TryJobName(jobId, out var name)) return ErrorCodes.JobNotFoundError(jobId);
        var (outcome, phase) = await canceller.CancelAsync(caller, name, http.RequestAborted);
        return outcome switch
        {
            CancelOutcome.Cancelled => Results.NoContent(),
            CancelOutcome.NotFound => ErrorCodes.JobNotFoundError(jobId),
            _ => ErrorCodes.Make(ErrorCodes.JobNotCancellable,
                $"Job is {JobMapper.StatusOf(phase!)} and cannot be cancelled; only queued jobs can"),
        };
    }

    private static async Task<IResult> GetBatch(HttpContext http, string batchId, JobReader reader, JobStore store)
    {
        var caller = AuthFilter.CallerOf(http);
        if (!ApiIds.TryBatchName(batchId, out var name)) return ErrorCodes.BatchNotFoundError(batchId);
        var batch = await reader.FindBatchAsync(name, http.RequestAborted);
        if (batch is null || batch.Spec.Tenant != caller.Tenant) return ErrorCodes.BatchNotFoundError(batchId);
        var view = BatchMapper.ToView(batch, n => store.TryGet(n, out var j) ? j : null);
        return Results.Json(new DataEnvelope<BatchView>(view), ApiJson.Options);
    }

    /// <summary>Waits on the cache's change signal for the job, so a long-poll costs nothing until the job moves.</summary>
    private static async Task<CachedJob> WaitForTerminalAsync(JobStore store, CachedJob job, TimeSpan wait, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + wait;
        while (!job.IsTerminal)
        {
            var changed = store.NextChange(job.Name);
            // Re-read after subscribing: a change between the first read and the subscription is not missed.
            if (store.TryGet(job.Name, out var latest)) job = latest;
            if (job.IsTerminal) break;
            var remaining = deadline - DateTime.UtcNow;
            if (remaining <= TimeSpan.Zero) break;
            try
            {
                await changed.WaitAsync(remaining, ct);
            }
            catch (TimeoutException)
            {
                break;
            }
            if (store.TryGet(job.Name, out latest)) job = latest;
        }
        return job;
    }

    private static bool TryIdempotencyKey(HttpContext http, out string? key, out ApiError? error)
    {
        key = null;
        error = null;
        if (!http.Request.Headers.TryGetValue(IdempotencyHeader, out var values)) return true;
        var text = values.ToString().Trim();
        if (!IdempotencyStore.IsValidKey(text))
        {
            error = ErrorCodes.Make(ErrorCodes.InvalidIdempotencyKey,
                $"{IdempotencyHeader} must be 1-{IdempotencyStore.MaxKeyLength} visible ASCII characters");
            return false;
        }
        key = text;
        return true;
    }

    private static string MessageFor(string code, List<FieldError> details)
    {
        var first = details.Count > 0 ? $"{details[0].Field}: {details[0].Message}" : "";
        return code switch
        {
            ErrorCodes.InvalidJobType => $"Unknown or missing job type ({first})",
            ErrorCodes.InvalidPriority => "Priority must be one of low, normal, high",
            ErrorCodes.InvalidParams => $"Invalid params for this job type ({first})",
            _ => $"Invalid request ({first})",
        };
    }
}
