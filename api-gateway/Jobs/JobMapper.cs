using System.Globalization;
using System.Text.Json;
using Nexus.Crds.Entities;
using Nexus.Gateway.Cache;

namespace Nexus.Gateway.Jobs;

/// <summary>AiJob → the API's job representation (lowercase status, snake_case, millisecond UTC timestamps).</summary>
public static class JobMapper
{
    public static string StatusOf(string phase) => phase.ToLowerInvariant();

    public static JobView ToView(CachedJob cached, JsonElement? resolvedResult = null)
    {
        var job = cached.Job;
        var status = job.Status;
        var phase = cached.Phase;
        var terminal = cached.IsTerminal;
        var error = status?.Error is { } e ? new JobErrorView(e.Code, e.Message, e.RetryCount) : null;
        return new JobView
        {
            Id = ResourceIds.JobIdFromName(cached.Name),
            Type = cached.Type,
            Status = StatusOf(phase),
            Priority = cached.Priority,
            Params = job.Spec.Params,
            CreatedAt = JobTimes.Format(cached.CreatedAt),
            EstimatedCompletionAt = terminal ? null : EstimateOf(job),
            StartedAt = JobTimes.Format(status?.StartedAt),
            CompletedAt = terminal ? JobTimes.Format(status?.CompletedAt) : null,
            DurationSeconds = terminal ? JobTimes.DurationSeconds(status?.StartedAt, status?.CompletedAt) : null,
            Result = phase == JobPhases.Completed ? resolvedResult ?? status?.Result : null,
            Error = phase is JobPhases.Failed or JobPhases.Cancelled ? error : null,
            BatchId = job.Spec.Batch?.Name is { Length: > 0 } batch ? ResourceIds.BatchIdFromName(batch) : null,
        };
    }

    /// <summary>The dispatch answer: what was asked for, queued, and when it should be done.</summary>
    public static JobView ToDispatchView(CachedJob cached) => new()
    {
        Id = ResourceIds.JobIdFromName(cached.Name),
        Type = cached.Type,
        Status = StatusOf(JobPhases.Queued),
        Priority = cached.Priority,
        Params = cached.Job.Spec.Params,
        CreatedAt = JobTimes.Format(cached.CreatedAt),
        EstimatedCompletionAt = EstimateOf(cached.Job),
    };

    /// <summary>The operator's refined estimate when it wrote one, else the one given at dispatch.</summary>
    private static string? EstimateOf(AiJob job)
    {
        if (job.Status?.EstimatedCompletionAt is { } refined) return JobTimes.Format(JobTimes.AsUtc(refined));
        if (job.Metadata.Annotations?.TryGetValue(JobAnnotations.EstimatedCompletionAt, out var text) == true
            && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
            return JobTimes.Format((DateTimeOffset)at);
        return null;
    }
}
