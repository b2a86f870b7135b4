namespace Nexus.KubeApiServer.Api;

/// <summary>Per-request write parameters (query string) and the warnings collected while handling it.</summary>
public sealed class WriteOptions
{
    public string FieldValidation { get; init; } = "Warn";
    public bool DryRun { get; init; }
    public string? FieldManager { get; init; }
    public bool Force { get; init; }
    /// <summary>Who an ordinary write is recorded under in managedFields: fieldManager, else the User-Agent's product.</summary>
    public string UpdateManager { get; init; } = "unknown";
    public List<string> Warnings { get; } = new();
    /// <summary>Keys the request body repeats (their paths), found when it was decoded; the last value was kept.</summary>
    public List<string> DuplicateFields { get; } = new();
    /// <summary>The object is the result of a patch (set by the patch path): its strict-decoding errors carry no kind.</summary>
    public bool Patched { get; set; }
}

/// <summary>DeleteOptions from the body or query.</summary>
public sealed class DeleteOptions
{
    public string? PropagationPolicy { get; init; }
    public string? PreconditionUid { get; init; }
    public string? PreconditionResourceVersion { get; init; }
    public bool DryRun { get; init; }

    public static DeleteOptions From(JsonObject? body, IQueryCollection query)
    {
        string? policy = Json.Str(body, "propagationPolicy") ?? (query.TryGetValue("propagationPolicy", out var p) ? p.ToString() : null);
        var orphan = body?["orphanDependents"] is JsonValue o && o.TryGetValue<bool>(out var ob) ? ob
            : query.TryGetValue("orphanDependents", out var oq) && bool.TryParse(oq, out var oqb) && oqb;
        if (policy is null && orphan) policy = "Orphan";
        if (policy is not (null or "Background" or "Foreground" or "Orphan"))
            throw new ApiException(422, "Invalid",
                $"DeleteOptions.meta.k8s.io \"\" is invalid: propagationPolicy: Unsupported value: \"{policy}\": supported values: \"Foreground\", \"Background\", \"Orphan\", \"nil\"");
        var dry = body?["dryRun"] is JsonArray d && d.Count > 0 || query.ContainsKey("dryRun");
        return new DeleteOptions
        {
            PropagationPolicy = policy,
            PreconditionUid = Json.Str(body?["preconditions"], "uid"),
            PreconditionResourceVersion = Json.Str(body?["preconditions"], "resourceVersion"),
            DryRun = dry,
        };
    }
}
