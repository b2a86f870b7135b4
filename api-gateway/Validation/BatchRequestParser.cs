using System.Text.Json;
using Nexus.Crds.Entities;
using Nexus.Gateway.Outcomes;

namespace Nexus.Gateway.Validation;

public sealed record BatchRequest(IReadOnlyList<JobRequest> Jobs, bool Sequential);

/// <summary>Validates <c>{"jobs": [1..20 jobs], "sequential": bool}</c>; every item's problems are reported at once.</summary>
public static class BatchRequestParser
{
    public static (BatchRequest? Batch, Rejection? Rejection) Parse(JsonElement body)
    {
        try
        {
            return ParseBody(body);
        }
        catch (InvalidOperationException)
        {
            return (null, new Rejection(ErrorCodes.InvalidRequest, "Request contains a string that is not valid Unicode"));
        }
    }

    private static (BatchRequest? Batch, Rejection? Rejection) ParseBody(JsonElement body)
    {
        if (body.ValueKind != JsonValueKind.Object)
            return (null, new Rejection(ErrorCodes.InvalidRequest, "Request body must be a JSON object", [new("body", "must be a JSON object")]));

        var unknown = body.EnumerateObject().Where(p => p.Name is not ("jobs" or "sequential"))
            .Select(p => new FieldError(p.Name, "unknown field")).ToList();
        if (unknown.Count > 0) return (null, new Rejection(ErrorCodes.InvalidRequest, "Unknown fields in batch request", unknown));

        var sequential = false;
        if (body.TryGetProperty("sequential", out var seq) && seq.ValueKind != JsonValueKind.Null)
        {
            if (seq.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
                return (null, new Rejection(ErrorCodes.InvalidRequest, "sequential must be a boolean", [new("sequential", "must be a boolean")]));
            sequential = seq.GetBoolean();
        }

        if (!body.TryGetProperty("jobs", out var jobs) || jobs.ValueKind != JsonValueKind.Array)
            return (null, new Rejection(ErrorCodes.InvalidRequest, "jobs must be a list of 1-20 jobs", [new("jobs", "is required and must be a list")]));
        var count = jobs.GetArrayLength();
        if (count == 0)
            return (null, new Rejection(ErrorCodes.InvalidRequest, "A batch needs at least one job", [new("jobs", "must contain 1-20 jobs")]));
        if (count > AiJobBatch.MaxJobs)
            return (null, new Rejection(ErrorCodes.BatchTooLarge, $"A batch holds at most {AiJobBatch.MaxJobs} jobs, got {count}",
                [new("jobs", $"must contain at most {AiJobBatch.MaxJobs} jobs")]));

        var parsed = new List<JobRequest>(count);
        var details = new List<FieldError>();
        string? code = null;
        var index = 0;
        foreach (var item in jobs.EnumerateArray())
        {
            var outcome = JobRequestParser.ParseJob(item, $"jobs[{index++}].");
            if (outcome.Ok) parsed.Add(outcome.Job!);
            else
            {
                code ??= outcome.Code;
                details.AddRange(outcome.Details);
            }
        }
        if (code is not null) return (null, new Rejection(code, "One or more jobs of the batch are invalid", details));
        return (new BatchRequest(parsed, sequential), null);
    }
}
