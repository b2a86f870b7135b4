using System.Globalization;
using Microsoft.Extensions.Primitives;
using Nexus.Crds.Entities;
using Nexus.Gateway.Cache;
using Nexus.Gateway.Outcomes;
using Nexus.Shared.History;

namespace Nexus.Gateway.Jobs;

/// <summary>The filters and page of <c>GET /api/ai-jobs</c>, parsed and checked.</summary>
public sealed record ListQuery(string? Type, string? Phase, DateTimeOffset? Start, DateTimeOffset? End, int Limit, PageCursor? Cursor)
{
    /// <summary>
    /// <c>metadata.&lt;key&gt;=&lt;value&gt;</c> filters: a job matches when its metadata has every pair (AND), in lists and
    /// in the tenant's event stream alike.
    /// </summary>
    public IReadOnlyDictionary<string, string>? Metadata { get; init; }

    /// <summary>The prefix of a metadata filter's query parameter: <c>metadata.key</c>, or <c>metadata[key]</c> (OpenAPI's deepObject).</summary>
    public const string MetadataPrefix = "metadata.";

    private const string MetadataDeepPrefix = "metadata[";

    private static bool IsMetadataFilter(string name) =>
        name.StartsWith(MetadataPrefix, StringComparison.Ordinal) || (name.StartsWith(MetadataDeepPrefix, StringComparison.Ordinal) && name.EndsWith(']'));

    private static string MetadataKeyOf(string name) =>
        name.StartsWith(MetadataPrefix, StringComparison.Ordinal) ? name[MetadataPrefix.Length..] : name[MetadataDeepPrefix.Length..^1];

    public const int DefaultLimit = 50;
    public const int MaxLimit = 200;

    /// <summary>The filters alone: what the event streams take (<c>Events/</c>).</summary>
    public static readonly IReadOnlyList<string> FilterKeys = ["type", "status", "start_date", "end_date"];

    private static readonly HashSet<string> Known = [.. FilterKeys, "limit", "cursor"];

    public static (ListQuery? Query, Rejection? Rejection) Parse(IQueryCollection query) => ParseWithMetadata(query, Known);

    private static (ListQuery? Query, Rejection? Rejection) ParseWithMetadata(IQueryCollection query, IEnumerable<string> known)
    {
        var (metadata, refused) = ParseMetadata(query);
        if (refused is not null) return (null, refused);
        var (parsed, rejection) = Parse(query, [.. known, .. query.Keys.Where(IsMetadataFilter)]);
        return (parsed is null ? null : parsed with { Metadata = metadata }, rejection);
    }

    /// <summary>The list's <c>metadata.&lt;key&gt;</c> parameters, each key and value within the bounds a job's metadata has.</summary>
    private static (Dictionary<string, string>? Metadata, Rejection? Rejection) ParseMetadata(IQueryCollection query)
    {
        Dictionary<string, string>? filters = null;
        foreach (var name in query.Keys.Where(IsMetadataFilter))
        {
            var key = MetadataKeyOf(name);
            if (!JobOptions.IsMetadataKey(key))
                return (null, ErrorCodes.Query(name, $"a metadata key must match the pattern {JobOptions.MetadataKeyPattern}"));
            var value = Single(query, name) ?? "";
            if (value.Length > JobOptions.MetadataValueMaxLength)
                return (null, ErrorCodes.Query(name, $"must be at most {JobOptions.MetadataValueMaxLength} characters"));
            filters ??= new Dictionary<string, string>(StringComparer.Ordinal);
            filters[key] = value;
        }
        if (filters is { Count: > JobOptions.MetadataMaxKeys })
            return (null, ErrorCodes.Query(MetadataPrefix + "*", $"at most {JobOptions.MetadataMaxKeys} metadata filters"));
        return (filters, null);
    }

    /// <summary>
    /// The list's filters without its page (limit, cursor), for a stream of changes; <paramref name="own"/> names the
    /// caller's own parameters, which are accepted here and left to it.
    /// </summary>
    public static (ListQuery? Query, Rejection? Rejection) ParseFilters(IQueryCollection query, params string[] own) =>
        ParseWithMetadata(query, [.. FilterKeys, .. own]);

    private static (ListQuery? Query, Rejection? Rejection) Parse(IQueryCollection query, HashSet<string> known)
    {
        foreach (var key in query.Keys)
            if (!known.Contains(key)) return (null, ErrorCodes.Query(key, $"unknown query parameter '{key}'; known: {string.Join(", ", known)}"));

        string? type = null;
        if (Single(query, "type") is { } t)
        {
            if (!JobTypes.IsKnown(t))
                return (null, new Rejection(ErrorCodes.InvalidJobType, $"Unknown job type '{t}'", [new("type", $"known: {string.Join(", ", JobTypes.All)}")]));
            type = t;
        }

        string? phase = null;
        if (Single(query, "status") is { } s)
        {
            phase = JobPhases.All.FirstOrDefault(p => p.Equals(s, StringComparison.OrdinalIgnoreCase));
            if (phase is null)
                return (null, ErrorCodes.Query("status", $"unknown status '{s}'; known: {string.Join(", ", JobPhases.All.Select(p => p.ToLowerInvariant()))}"));
        }

        DateTimeOffset? start = null, end = null;
        if (Single(query, "start_date") is { } sd)
        {
            if (!TryParseDate(sd, endOfDay: false, out var v)) return (null, ErrorCodes.Query("start_date", "must be an ISO-8601 date or date-time"));
            start = v;
        }
        if (Single(query, "end_date") is { } ed)
        {
            if (!TryParseDate(ed, endOfDay: true, out var v)) return (null, ErrorCodes.Query("end_date", "must be an ISO-8601 date or date-time"));
            end = v;
        }
        if (start is not null && end is not null && start > end)
            return (null, ErrorCodes.Query("start_date", "must not be after end_date"));

        var limit = DefaultLimit;
        if (Single(query, "limit") is { } l)
        {
            if (!int.TryParse(l, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit < 1 || limit > MaxLimit)
                return (null, ErrorCodes.Query("limit", $"must be an integer from 1 to {MaxLimit}"));
        }

        PageCursor? cursor = null;
        if (Single(query, "cursor") is { } c)
        {
            if (!PageCursor.TryDecode(c, out var decoded)) return (null, ErrorCodes.Query("cursor", "is not a cursor this API returned"));
            cursor = decoded;
        }
        return (new ListQuery(type, phase, start, end, limit, cursor), null);
    }

    /// <summary>
    /// One page of the tenant's live jobs (the cache), newest first by (creation millisecond, REST id), and whether
    /// more follow. Jobs already archived (<c>status.archivedAt</c>) are left out: the database lists them.
    /// </summary>
    public (List<CachedJob> Page, bool HasMore) Run(IEnumerable<CachedJob> jobs, string tenant)
    {
        var matching = jobs.Where(j => j.Job.Status?.ArchivedAt is null && Matches(j, tenant))
            .Select(j => (Job: j, Ms: j.CreatedAt.ToUnixTimeMilliseconds(), Id: ResourceIds.JobIdFromName(j.Name)))
            .Where(j => Cursor is null || Cursor.Value.IsBefore(j.Ms, j.Id))
            .OrderByDescending(j => j.Ms)
            .ThenByDescending(j => j.Id, StringComparer.Ordinal)
            .Take(Limit + 1)
            .Select(j => j.Job)
            .ToList();
        var hasMore = matching.Count > Limit;
        if (hasMore) matching.RemoveAt(matching.Count - 1);
        return (matching, hasMore);
    }

    /// <summary>Whether the job is the tenant's and passes the filters (the page aside).</summary>
    public bool Matches(CachedJob job, string tenant) =>
        Matches(job.Tenant, job.Type, job.Phase, job.CreatedAt, job.Job.Spec.Metadata, tenant);

    /// <summary>Every filter pair is in the job's metadata (as <c>metadata @&gt; filters</c> in the database).</summary>
    private bool MatchesMetadata(IReadOnlyDictionary<string, string>? metadata) =>
        Metadata is null || Metadata.All(f => metadata is not null && metadata.TryGetValue(f.Key, out var v) && v == f.Value);

    /// <summary>The same, on a job's facts: streams keep the facts of past changes rather than the jobs.</summary>
    public bool Matches(string jobTenant, string type, string phase, DateTimeOffset createdAt, IReadOnlyDictionary<string, string>? metadata, string tenant) =>
        jobTenant == tenant
        && MatchesMetadata(metadata)
        && (Type is null || type == Type)
        && (Phase is null || phase == Phase)
        && (Start is null || createdAt >= Start)
        && (End is null || createdAt <= End);

    /// <summary>The same filters and page for the history database's keyset list.</summary>
    public JobListQuery ToArchiveQuery(string tenant) => new()
    {
        Tenant = tenant, Type = Type, Status = Phase, Start = Start, End = End, Limit = Limit, Metadata = Metadata,
        After = Cursor is { } c ? new JobCursor(DateTimeOffset.FromUnixTimeMilliseconds(c.CreatedAtMs), c.Id) : null,
    };

    /// <summary>Only finished jobs are archived: a filter on a live phase needs no database.</summary>
    public bool NeedsArchive => Phase is null || JobPhases.IsTerminal(Phase);

    private static string? Single(IQueryCollection query, string key)
    {
        StringValues values = query[key];
        return values.Count == 0 ? null : values[^1];
    }

    /// <summary>A date-time (UTC unless an offset is given), or a date: its first millisecond, or its last for end_date.</summary>
    public static bool TryParseDate(string text, bool endOfDay, out DateTimeOffset value)
    {
        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            var midnight = new DateTimeOffset(date.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
            // The calendar's last day has no next midnight to count back from.
            value = !endOfDay ? midnight : date == DateOnly.MaxValue ? DateTimeOffset.MaxValue : midnight.AddDays(1).AddTicks(-1);
            return true;
        }
        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out value)
               && text.Contains('T', StringComparison.OrdinalIgnoreCase);
    }
}
