using Nexus.Crds.Entities;
using Nexus.Shared;
using Nexus.Shared.History;

namespace Nexus.Operator.Jobs;

/// <summary>
/// Reads where each dependency of a waiting job stands. The cache answers first; a dependency missing from it is
/// looked up in the API (the cache may not have seen a create yet) before it counts as gone. A batch child's
/// missing dependency is a sibling: pending while its batch has not created it yet, and, once the batch recorded
/// it, whatever the batch last saw of it (a sibling that completed and was then deleted still counts as completed).
/// Any other dependency missing from the API is looked up in the history database: a finished job leaves the API
/// after the retention, and its archived phase is what counts (pending while the database cannot be asked).
/// </summary>
public sealed class JobDependencies(Informer<AiJob> jobs, Informer<AiJobBatch> batches, KubeApi api, JobArchive history, OperatorOptions options)
{
    public async Task<IReadOnlyList<(string Name, DependencyState State)>> ResolveAsync(AiJob job, CancellationToken ct)
    {
        var phase = job.Status?.Phase;
        if (job.Spec.DependsOn is not { Count: > 0 } deps || phase == JobPhases.Running || JobPhases.IsTerminal(phase)) return [];
        var states = new List<(string, DependencyState)>(deps.Count);
        foreach (var dep in deps)
        {
            var found = jobs.Get(dep) ?? await api.GetAsync<AiJob>(ResourceKind.AiJob.Item(options.Namespace, dep), ct);
            var state = found is not null ? Of(found.Status?.Phase) : await MissingAsync(job, dep, ct);
            states.Add((dep, state));
            if (state is DependencyState.Failed or DependencyState.Gone) break;
        }
        return states;
    }

    private static DependencyState Of(string? phase) => phase switch
    {
        JobPhases.Completed => DependencyState.Completed,
        JobPhases.Failed or JobPhases.Cancelled => DependencyState.Failed,
        _ => DependencyState.Pending,
    };

    private async Task<DependencyState> MissingAsync(AiJob job, string dep, CancellationToken ct)
    {
        if (job.Spec.Batch?.Name is not { Length: > 0 } batchName) return await ArchivedAsync(job, dep, ct);
        var batch = batches.Get(batchName) ?? await api.GetAsync<AiJobBatch>(ResourceKind.AiJobBatch.Item(options.Namespace, batchName), ct);
        if (batch is null) return DependencyState.Gone;
        var recorded = batch.Status?.Jobs?.FirstOrDefault(j => j.Name == dep);
        if (recorded is not null) return recorded.Phase == JobPhases.Completed ? DependencyState.Completed : DependencyState.Gone;
        // Not created yet: the batch creates its missing children, unless it has finished.
        return JobPhases.IsTerminal(batch.Status?.Phase) ? DependencyState.Gone : DependencyState.Pending;
    }

    private async Task<DependencyState> ArchivedAsync(AiJob job, string dep, CancellationToken ct)
    {
        try
        {
            var archived = await history.GetJobAsync(job.Spec.Tenant, ResourceIds.JobIdFromName(dep), includeResult: false, ct);
            return archived is null ? DependencyState.Gone : Of(archived.Status);
        }
        catch (Exception e) when (e is HistoryUnavailableException or Npgsql.PostgresException { SqlState: "42P01" })
        {
            // Unreachable, or not migrated yet: ask again soon rather than cancel a job that may be unblocked.
            return DependencyState.Unknown;
        }
    }
}
