using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Nexus.Crds.Entities;
using Nexus.Operator.Control;
using Nexus.Operator.Jobs;
using Nexus.Operator.Metrics;
using Nexus.Shared;
using Nexus.Shared.History;

namespace Nexus.Operator.Archive;

/// <summary>
/// Writes finished AiJobs to the history database, then sets their <c>status.archivedAt</c>. Its own loop, not the
/// reconcile workers: a slow or absent database never holds up claims. Jobs that finish together are written in one
/// transaction (up to <see cref="OperatorOptions.ArchiveBatchSize"/>); while the database is unavailable the same
/// batch is retried with backoff and the backlog grows (<c>nexus_operator_archive_backlog</c>). The write is an
/// idempotent upsert keyed by the job id, so a crash between it and the status write only repeats it.
/// </summary>
public sealed class JobArchiver(Informer<AiJob> jobs, JobStatusWriter writer, JobArchive history, HistoryStartup startup,
    EventRecorder events, OperatorMetrics metrics, OperatorOptions options, TimeProvider time, ILogger<JobArchiver> log)
{
    private readonly ConcurrentDictionary<string, byte> _pending = new(StringComparer.Ordinal);
    private readonly Channel<string> _queue = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });

    /// <summary>Finished jobs waiting for their archive write.</summary>
    public int Backlog => _pending.Count;

    /// <summary>Asks for a finished, unarchived job to be archived; a job already waiting is not queued twice.</summary>
    public void Enqueue(string name)
    {
        if (_pending.TryAdd(name, 0)) _queue.Writer.TryWrite(name);
    }

    public async Task RunAsync(CancellationToken ct)
    {
        var batch = new List<string>();
        var failures = 0;
        try
        {
            while (!ct.IsCancellationRequested)
            {
                if (batch.Count == 0) batch.Add(await _queue.Reader.ReadAsync(ct));
                while (batch.Count < options.ArchiveBatchSize && _queue.Reader.TryRead(out var more)) batch.Add(more);
                var records = new List<(AiJob Job, ArchivedJob Record)>(batch.Count);
                foreach (var name in batch)
                {
                    var job = jobs.Get(name);
                    if (job is null || !JobPhases.IsTerminal(job.Status?.Phase) || job.Status!.ArchivedAt is not null) _pending.TryRemove(name, out _);
                    else records.Add((job, ArchivedJob.FromAiJob(job)));
                }
                try
                {
                    if (records.Count > 0) await WriteAsync(records, ct);
                    failures = 0;
                }
                catch (HistoryUnavailableException e)
                {
                    failures++;
                    metrics.ArchiveFailures.WithLabels(OperatorMetrics.Kinds.AiJob).Inc();
                    var delay = Backoff.Delay(failures, options.ArchiveRetryBaseDelay, options.ArchiveRetryMaxDelay);
                    log.LogWarning("archiving {Count} finished jobs failed (backlog {Backlog}); retrying in {Delay:0.0}s: {Error}",
                        records.Count, Backlog, delay.TotalSeconds, e.Message);
                    await Task.Delay(delay, time, ct);
                    continue; // the same names again, re-read from the cache
                }
                await Parallel.ForEachAsync(records, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = ct },
                    async (r, c) => await MarkArchivedAsync(r.Job.Metadata.Name, c));
                batch.Clear();
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    private async Task WriteAsync(List<(AiJob Job, ArchivedJob Record)> records, CancellationToken ct)
    {
        startup.EnsureMigrated();
        try
        {
            await history.ArchiveAsync(records.Select(r => r.Record).ToList(), ct);
            return;
        }
        catch (Exception e) when (records.Count > 1 && e is TenantMismatchException or ArgumentException)
        {
            // One bad record fails the whole transaction: write them one by one, so only that one waits.
        }
        for (var i = records.Count - 1; i >= 0; i--)
        {
            try
            {
                await history.ArchiveAsync(records[i].Record, ct);
            }
            catch (Exception e) when (e is TenantMismatchException or ArgumentException)
            {
                // Never archived, so never deleted: it stays in the API with its finalizer, and its controller asks again later.
                metrics.ArchiveFailures.WithLabels(OperatorMetrics.Kinds.AiJob).Inc();
                log.LogError("job {Name} cannot be archived: {Error}", records[i].Job.Metadata.Name, e.Message);
                events.Warning(records[i].Job, "ArchiveFailed", e.Message);
                _pending.TryRemove(records[i].Job.Metadata.Name, out _);
                records.RemoveAt(i);
            }
        }
    }

    private async Task MarkArchivedAsync(string name, CancellationToken ct)
    {
        try
        {
            var job = jobs.Get(name);
            for (var i = 0; i < 8 && job is { Status.ArchivedAt: null }; i++)
            {
                var status = JobStatusWriter.CloneStatus(job.Status);
                status.ArchivedAt = time.GetUtcNow().UtcDateTime;
                try
                {
                    await writer.WriteAsync(job, status, ct);
                    metrics.Archived.WithLabels(OperatorMetrics.Kinds.AiJob).Inc();
                    return;
                }
                catch (KubeApiException e) when (e.IsConflict)
                {
                    job = await writer.ReadAsync(name, ct);
                }
            }
        }
        catch (KubeApiException e) when (e.IsNotFound)
        {
        }
        catch (KubeApiException e)
        {
            // Archived but not marked: its controller asks again, and the upsert runs again (idempotent).
            log.LogWarning("job {Name}: archived, but status.archivedAt not written: {Error}", name, e.Message);
        }
        finally
        {
            _pending.TryRemove(name, out _);
        }
    }
}
