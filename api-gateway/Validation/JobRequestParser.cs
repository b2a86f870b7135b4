using System.Text.Json;
using Nexus.Crds.Entities;
using Nexus.Gateway.Outcomes;

namespace Nexus.Gateway.Validation;

/// <summary>A validation outcome: the job, or the error code that applies and every field-level problem found.</summary>
public sealed record ParseOutcome(JobRequest? Job, string? Code, List<FieldError> Details)
{
    public bool Ok => Job is not null;

    /// <summary>Why the job was refused: the code, a message naming the first problem, every field problem.</summary>
    public Rejection ToRejection()
    {
        var first = Details.Count > 0 ? $"{Details[0].Field}: {Details[0].Message}" : "";
        var message = Code switch
        {
            ErrorCodes.InvalidJobType => $"Unknown or missing job type ({first})",
            ErrorCodes.InvalidPriority => "Priority must be one of low, normal, high",
            ErrorCodes.InvalidParams => $"Invalid params for this job type ({first})",
            _ => $"Invalid request ({first})",
        };
        return new Rejection(Code!, message, Details);
    }
}

/// <summary>Turns a JSON job (<c>{"type", "params", "priority"}</c> and the options) into a <see cref="JobRequest"/> or field errors.</summary>
public static class JobRequestParser
{
    private static readonly HashSet<string> TopLevelFields = ["type", "params", "priority", .. JobOptionsParser.Fields];

    /// <param name="prefix">Path of the job in the request: "" for a single dispatch, "jobs[3]." in a batch.</param>
    public static ParseOutcome ParseJob(JsonElement job, string prefix = "")
    {
        try
        {
            return Parse(job, prefix);
        }
        catch (InvalidOperationException)
        {
            // JSON text may escape an unpaired UTF-16 surrogate ("\ud800"), which JsonElement.GetString refuses to decode.
            var at = prefix.Length == 0 ? "body" : prefix.TrimEnd('.');
            return new(null, ErrorCodes.InvalidRequest, [new(at, "contains a string that is not valid Unicode")]);
        }
    }

    private static ParseOutcome Parse(JsonElement job, string prefix)
    {
        var details = new List<FieldError>();
        if (job.ValueKind != JsonValueKind.Object)
        {
            var at = prefix.Length == 0 ? "body" : prefix.TrimEnd('.');
            return new(null, ErrorCodes.InvalidRequest, [new(at, "must be a JSON object")]);
        }

        string? code = null;
        void Fail(string errorCode, string field, string message)
        {
            code ??= errorCode;
            details.Add(new(prefix + field, message));
        }

        string? type = null;
        if (!job.TryGetProperty("type", out var typeElement)) Fail(ErrorCodes.InvalidJobType, "type", "is required");
        else if (typeElement.ValueKind != JsonValueKind.String) Fail(ErrorCodes.InvalidJobType, "type", "must be a string");
        else if (!JobTypes.IsKnown(typeElement.GetString()))
            Fail(ErrorCodes.InvalidJobType, "type", $"unknown job type '{typeElement.GetString()}'; known: {string.Join(", ", JobTypes.All)}");
        else type = typeElement.GetString();

        foreach (var property in job.EnumerateObject())
            if (!TopLevelFields.Contains(property.Name) && !(prefix.Length == 0 && property.Name == "callback_url"))
                Fail(ErrorCodes.InvalidRequest, property.Name, "unknown field");
        // A single dispatch's own webhook; checked against the address rules by the submitter (they are settings).
        string? callbackUrl = null;
        if (prefix.Length == 0 && job.TryGetProperty("callback_url", out var callback) && callback.ValueKind != JsonValueKind.Null)
        {
            if (callback.ValueKind != JsonValueKind.String) Fail(Webhooks.WebhookErrors.InvalidCallbackUrl, "callback_url", "must be a string");
            else callbackUrl = callback.GetString();
        }

        var priority = Priorities.Normal;
        if (job.TryGetProperty("priority", out var priorityElement) && priorityElement.ValueKind != JsonValueKind.Null)
        {
            if (priorityElement.ValueKind != JsonValueKind.String || !Priorities.IsKnown(priorityElement.GetString()))
                Fail(ErrorCodes.InvalidPriority, "priority", $"must be one of: {string.Join(", ", Priorities.All)}");
            else priority = priorityElement.GetString()!;
        }

        JsonElement parameters = default;
        var hasParams = job.TryGetProperty("params", out parameters) && parameters.ValueKind != JsonValueKind.Null;
        if (type is not null)
            CheckParams(type, hasParams ? parameters : null, prefix + "params", details, ref code);

        var kept = hasParams ? parameters.Clone() : Empty;
        var request = JobOptionsParser.Apply(new JobRequest(type ?? "", priority, kept, callbackUrl), job, type, Fail);
        if (code is not null) return new(null, code, details);
        return new(request, null, details);
    }

    private static void CheckParams(string type, JsonElement? parameters, string path, List<FieldError> details, ref string? code)
    {
        var problems = JobParamsSchemas.Of(type).Check(parameters ?? Empty, path);
        if (problems.Count == 0) return;
        details.AddRange(problems);
        code ??= ErrorCodes.InvalidParams;
    }

    private static readonly JsonElement Empty = ParseEmpty();

    private static JsonElement ParseEmpty()
    {
        using var doc = JsonDocument.Parse("{}");
        return doc.RootElement.Clone();
    }
}
