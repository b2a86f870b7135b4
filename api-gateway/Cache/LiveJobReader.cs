using System.Collections.Concurrent;
using Nexus.Gateway.History;
using Nexus.Gateway.Jobs;
using Nexus.Shared.History;

namespace Nexus.Gateway.Cache;

/// <summary>
/// Brings the operator's live signals (progress, queue places) into the job cache: every <see cref="Interval"/> one
/// indexed query reads the rows of <c>live_jobs</c> changed since the last one, and each goes into the index through
/// <see cref="JobIndex.SetLive"/> (which wakes long-polls and raises <see cref="JobIndex.Changed"/>). The cursor is
/// the database's own (updated_at, job_id), started again a little early each time (<see cref="Overlap"/>), so a row
/// whose transaction committed after a later one was read is still seen; rows read twice change nothing. While the
/// database is down the signals go stale; no request ever fails for it.
/// </summary>
public sealed class LiveJobReader(HistoryReadiness history, JobCache cache, CompletionEstimator estimator, ILogger<LiveJobReader> log)
    : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);
    /// <summary>Longer than any upsert's transaction: the gap between its now() and its commit.</summary>
    public static readonly TimeSpan Overlap = TimeSpan.FromSeconds(2);
    private const int PageSize = 1000;
    private const int MaxPending = 10_000;
    private static readonly TimeSpan PendingFor = TimeSpan.FromMinutes(1);

    /// <summary>Rows of jobs the cache does not hold yet (its watch lags the operator's): applied when the job arrives.</summary>
    private readonly ConcurrentDictionary<string, (LiveJobSignal Signal, DateTimeOffset UpdatedAt, DateTime Seen)> _pending = new(StringComparer.Ordinal);
    private LiveJobCursor _cursor = LiveJobCursor.Start;
    private bool _failing;

    /// <summary>Rows read so far (for tests and diagnostics).</summary>
    public long RowsRead { get; private set; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        cache.Index.Changed += OnJobChanged;
        try
        {
            await history.WaitAsync(stoppingToken).ConfigureAwait(false);
            using var timer = new PeriodicTimer(Interval);
            do
            {
                await ReadOnceAsync(stoppingToken).ConfigureAwait(false);
            } while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            cache.Index.Changed -= OnJobChanged;
        }
    }

    /// <summary>Reads and applies every row changed since the last read.</summary>
    public async Task ReadOnceAsync(CancellationToken ct)
    {
        try
        {
            var from = _cursor == LiveJobCursor.Start ? _cursor : new LiveJobCursor(_cursor.UpdatedAt - Overlap, "");
            while (true)
            {
                var rows = await history.Db.Live.ChangedSinceAsync(from, PageSize, ct).ConfigureAwait(false);
                foreach (var row in rows) Apply(row.Signal, row.UpdatedAt);
                RowsRead += rows.Count;
                if (rows.Count > 0)
                {
                    from = new LiveJobCursor(rows[^1].UpdatedAt, rows[^1].Signal.JobId);
                    if (from.CompareTo(_cursor) > 0) _cursor = from;
                }
                if (rows.Count < PageSize) break;
            }
            if (_failing) log.LogInformation("live job signals are read again");
            _failing = false;
        }
        catch (Exception e) when (e is HistoryUnavailableException or Npgsql.NpgsqlException or TimeoutException)
        {
            if (!_failing) log.LogWarning("live job signals not read (progress and queue positions go stale): {Error}", e.Message);
            _failing = true;
        }
        PrunePending();
    }

    private void Apply(LiveJobSignal s, DateTimeOffset updatedAt)
    {
        if (!cache.TryGet(s.Name, out var job))
        {
            if (_pending.Count < MaxPending) _pending[s.Name] = (s, updatedAt, DateTime.UtcNow);
            return;
        }
        if (job.Tenant != s.Tenant) return;
        DateTimeOffset? estimate = s.QueuePosition is { } position
            ? estimator.EstimateQueued(job.Type, position, s.PoolCapacity ?? 1, updatedAt)
            : null;
        cache.Index.SetLive(s.Name, new LiveSignal(s.Attempt, s.Progress, s.QueuePosition, s.PoolCapacity, updatedAt, estimate));
    }

    private void OnJobChanged(CachedJob? previous, CachedJob? next)
    {
        if (previous is null && next is not null && _pending.TryRemove(next.Name, out var p)) Apply(p.Signal, p.UpdatedAt);
    }

    private void PrunePending()
    {
        var old = DateTime.UtcNow - PendingFor;
        foreach (var (name, p) in _pending)
        {
            if (p.Seen < old) _pending.TryRemove(name, out _);
        }
    }
}
