namespace Nexus.Gateway.Events;

/// <summary>
/// One change of one job as the event ring keeps it: the facts the streams filter on (tenant, type, status before
/// and after, creation time, metadata) and the job's view. A live job's view is rendered once, when the change is taken in; a
/// finished job's view may need its result from the history database or the Kubernetes API, so it is rendered once,
/// on the first stream that sends it, and shared by every other. A <see cref="Gone"/> change (the AiJob was deleted,
/// after its archival) is never sent: it only ends the job's own streams.
/// </summary>
public sealed class JobChange
{
    private readonly Lazy<Task<string>>? _render;

    public JobChange(string name, string tenant, string type, string phase, string? previousPhase, DateTimeOffset createdAt,
        string summaryJson, Func<Task<string>>? render, bool gone = false)
    {
        Name = name;
        Tenant = tenant;
        Type = type;
        Phase = phase;
        PreviousPhase = previousPhase;
        CreatedAt = createdAt;
        SummaryJson = summaryJson;
        Gone = gone;
        if (render is not null) _render = new Lazy<Task<string>>(render, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>The sequence the ring gave it; set once, before any stream can see it.</summary>
    public long Sequence { get; internal set; }

    public string Name { get; }
    public string Tenant { get; }
    public string Type { get; }
    public string Phase { get; }
    public string? PreviousPhase { get; }
    public DateTimeOffset CreatedAt { get; }
    /// <summary>The client's metadata of the job (immutable, so the same in every change of it).</summary>
    public IReadOnlyDictionary<string, string>? Metadata { get; init; }
    public bool Gone { get; }
    public bool Terminal => Nexus.Crds.Entities.JobPhases.IsTerminal(Phase);

    /// <summary>The view as the cache alone gives it (a finished job without its result): what changes are compared on.</summary>
    public string SummaryJson { get; }

    /// <summary>The job's REST view, as <c>GET /api/ai-jobs/{id}</c> answers it (its <c>data</c>).</summary>
    public Task<string> ViewJsonAsync() => _render?.Value ?? Task.FromResult(SummaryJson);
}
