namespace Nexus.Shared.History;

/// <summary>
/// One page of a tenant's archived jobs, newest first: by creation time, then id (for gateway-made jobs exactly the
/// ULID order). Filters as <c>GET /api/ai-jobs</c> takes them; <see cref="After"/> is the last job of the page before.
/// </summary>
public sealed record JobListQuery
{
    public const int MaxLimit = 1000;

    public required string Tenant { get; init; }
    public string? Type { get; init; }
    /// <summary>A phase as the CRD spells it (Completed, Failed, Cancelled).</summary>
    public string? Status { get; init; }
    /// <summary>Created at or after (inclusive).</summary>
    public DateTimeOffset? Start { get; init; }
    /// <summary>Created at or before (inclusive).</summary>
    public DateTimeOffset? End { get; init; }
    /// <summary>Jobs whose metadata holds every one of these pairs (<c>metadata @&gt; filters</c>, the GIN index).</summary>
    public IReadOnlyDictionary<string, string>? Metadata { get; init; }
    public int Limit { get; init; } = 50;
    public JobCursor? After { get; init; }
    /// <summary>Read each completed job's result too (decompressed); lists leave it out by default.</summary>
    public bool IncludeResults { get; init; }
}

/// <summary>A position in newest-first order: jobs after it were created earlier, or at the same millisecond with a smaller id.</summary>
public readonly record struct JobCursor(DateTimeOffset CreatedAt, string Id)
{
    public static JobCursor Of(ArchivedJob job) => new(job.CreatedAt, job.Id);
}

/// <summary>A page of jobs and whether more follow; <see cref="Next"/> continues after its last job.</summary>
public sealed record JobPage(IReadOnlyList<ArchivedJob> Jobs, bool HasMore)
{
    public JobCursor? Next => HasMore && Jobs.Count > 0 ? JobCursor.Of(Jobs[^1]) : null;
}
