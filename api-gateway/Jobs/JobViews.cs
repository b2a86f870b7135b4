using System.Text.Json;
using Nexus.Crds.Entities;
using Nexus.Gateway.Cache;
using Nexus.Gateway.History;
using Nexus.Gateway.Kube;
using Nexus.Gateway.Metrics;
using Nexus.Shared.History;

namespace Nexus.Gateway.Jobs;

/// <summary>
/// The view of one job wherever it is: a live job from the cache; a finished one from the history database once it
/// is archived there (<c>status.archivedAt</c>, or the AiJob gone), else from the AiJob. The slim cache keeps no
/// results, so a finished job's result comes from the database (<c>status.resultRef</c>, or its archived record) or,
/// before it is archived, from the AiJob itself. Every path renders through <see cref="JobMapper.ToView(ArchivedJob)"/>.
/// </summary>
public sealed class JobViews(KubeObjects kube, HistoryReadiness history)
{
    /// <summary>The view of a job the cache holds.</summary>
    public async Task<JobView> OfCachedAsync(CachedJob cached, CancellationToken ct)
    {
        if (!cached.IsTerminal) return JobMapper.ToView(cached);
        var id = ResourceIds.JobIdFromName(cached.Name);
        if (cached.Job.Status?.ArchivedAt is not null)
        {
            try
            {
                if (await history.Ready().Jobs.GetJobAsync(cached.Tenant, id, includeResult: true, ct).ConfigureAwait(false) is { } archived)
                    return JobMapper.ToView(archived);
            }
            catch (HistoryUnavailableException) when (cached.Phase != JobPhases.Completed || cached.Job.Status.ResultRef is null)
            {
                // The AiJob is still in etcd and holds all the view needs: serve it from there.
            }
        }
        return JobMapper.ToView(JobMapper.RecordOf(cached, await LiveResultAsync(cached, id, ct).ConfigureAwait(false)));
    }

    /// <summary>The view of an archived job of the tenant; null when the tenant has none under that id.</summary>
    public async Task<JobView?> OfArchivedAsync(string tenant, string id, CancellationToken ct) =>
        await history.Ready().Jobs.GetJobAsync(tenant, id, includeResult: true, ct).ConfigureAwait(false) is { } archived
            ? JobMapper.ToView(archived)
            : null;

    private async Task<JsonElement?> LiveResultAsync(CachedJob cached, string id, CancellationToken ct)
    {
        if (cached.Phase != JobPhases.Completed) return null;
        var status = cached.Job.Status;
        if (status?.ResultRef is not null) return await history.Ready().Jobs.GetResultAsync(cached.Tenant, id, ct).ConfigureAwait(false);
        if (status?.Result is { } inline) return inline;
        // A small result of a job not archived yet has one copy, in the AiJob's status, which the slim cache leaves out.
        GatewayMetrics.DirectReads.Inc();
        var current = await kube.GetJobAsync(cached.Name, ct).ConfigureAwait(false);
        if (current is null) // archived and deleted since the cache saw it
            return (await history.Ready().Jobs.GetJobAsync(cached.Tenant, id, includeResult: true, ct).ConfigureAwait(false))?.Result;
        if (current.Status?.ResultRef is not null) return await history.Ready().Jobs.GetResultAsync(cached.Tenant, id, ct).ConfigureAwait(false);
        return current.Status?.Result;
    }
}
