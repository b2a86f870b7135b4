using Nexus.Crds.Entities;
using Nexus.Gateway.Cache;
using Nexus.Gateway.History;
using Nexus.Shared.History;

namespace Nexus.Gateway.Jobs;

/// <summary>A page of jobs as <c>GET /api/ai-jobs</c> answers it.</summary>
public sealed record JobListPage(IReadOnlyList<JobView> Jobs, bool HasMore, PageCursor? Next);

/// <summary>
/// Lists a tenant's jobs newest first across the cache (live jobs, and finished ones not archived yet) and the history
/// database (archived ones; keyset paging, every filter in SQL), merged on one order: (creation millisecond, REST id).
/// <para>
/// A page never repeats or skips a job that moves from etcd to the database meanwhile: a job keeps its place in the
/// order wherever it is, and at every moment it is in at least one of the two sources the page reads, because the
/// cache is read first and the operator sets <c>status.archivedAt</c> (which moves a job out of the cache's side)
/// only after the database has it, and deletes the AiJob only after that. A job seen on both sides is listed once.
/// </para>
/// List items carry no result (it can be megabytes): <c>GET /api/ai-jobs/{id}</c> has it.
/// </summary>
public sealed class JobLister(JobCache jobs, HistoryReadiness history)
{
    public async Task<JobListPage> ListAsync(ListQuery query, string tenant, CancellationToken ct)
    {
        // The cache first: see the class summary for why the order matters.
        var (live, liveHasMore) = query.Run(jobs.All, tenant);
        var records = new Dictionary<string, ArchivedJob>(StringComparer.Ordinal);
        var liveFields = new Dictionary<string, (double? Progress, int? QueuePosition)>(StringComparer.Ordinal);
        foreach (var cached in live)
        {
            var record = JobMapper.RecordOf(cached);
            records[record.Id] = record;
            if (cached.Progress is not null || cached.QueuePosition is not null) liveFields[record.Id] = (cached.Progress, cached.QueuePosition);
        }
        var archiveHasMore = false;
        if (query.NeedsArchive)
        {
            var page = await history.Ready().Jobs.ListJobsAsync(query.ToArchiveQuery(tenant), ct).ConfigureAwait(false);
            foreach (var archived in page.Jobs) records[archived.Id] = archived;
            archiveHasMore = page.HasMore;
        }

        var ordered = records.Values
            .OrderByDescending(j => j.CreatedAt.ToUnixTimeMilliseconds())
            .ThenByDescending(j => j.Id, StringComparer.Ordinal)
            .ToList();
        var hasMore = ordered.Count > query.Limit || liveHasMore || archiveHasMore;
        var pageJobs = ordered.Take(query.Limit).ToList();
        var next = hasMore && pageJobs.Count > 0 ? PageCursor.After(pageJobs[^1].CreatedAt.ToUnixTimeMilliseconds(), pageJobs[^1].Id) : (PageCursor?)null;
        return new JobListPage(pageJobs.Select(j => liveFields.TryGetValue(j.Id, out var f)
            ? JobMapper.ToView(j with { Result = null }, f.Progress, f.QueuePosition)
            : JobMapper.ToView(j with { Result = null })).ToList(), hasMore && next is not null, next);
    }
}
