using Microsoft.Extensions.Logging;
using Nexus.Crds.Entities;
using Nexus.Operator.Dispatch;
using Nexus.Shared.History;

namespace Nexus.Operator.Live;

/// <summary>
/// Relays what changes too often for the AiJob's status — the progress workers report and each queued job's place
/// in its pool's claim order — to the gateways through the history database's <c>live_jobs</c> table, never through
/// etcd. Polls and queue scans only record values in memory (a lock and a compare, no I/O); a flush writes every job
/// whose values changed since the last flush in ONE multi-row upsert, so any number of changes of one job between
/// flushes cost one row write. Best effort: a failed flush keeps the values for the next one, logs, and never delays
/// a claim or a poll. Thread-safe.
/// </summary>
public sealed class LiveRelay(Func<IReadOnlyList<LiveJobSignal>, CancellationToken, Task<int>> write, ILogger log,
    Action<int>? written = null, Action? failed = null)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly HashSet<string> _dirty = new(StringComparer.Ordinal);
    private bool _failing;

    /// <summary>Jobs with values held (queued with a place, or running with a progress).</summary>
    public int Tracked
    {
        get { lock (_lock) return _entries.Count; }
    }

    /// <summary>Jobs whose values changed since the last successful flush.</summary>
    public int Pending
    {
        get { lock (_lock) return _dirty.Count; }
    }

    /// <summary>A poll of a running attempt saw <paramref name="progress"/> (0..1).</summary>
    public void ReportProgress(string name, string tenant, int attempt, double progress)
    {
        // Stored as real: changes below its precision are no change.
        var value = (float)Math.Clamp(progress, 0, 1);
        lock (_lock)
        {
            var e = EntryLocked(name, tenant);
            if (e.Attempt == attempt && e.Progress == value) return;
            e.Attempt = attempt;
            e.Progress = value;
            _dirty.Add(name);
        }
    }

    /// <summary>
    /// The places of every queued job now (from <see cref="SlotScheduler.Positions"/>): jobs listed get theirs,
    /// jobs that had one and are not listed (claimed, cancelled) lose it.
    /// </summary>
    public void SetPositions(IReadOnlyDictionary<string, QueuePlace> places)
    {
        lock (_lock)
        {
            foreach (var (name, e) in _entries)
            {
                if (e.Position is null || places.ContainsKey(name)) continue;
                e.Position = null;
                e.Capacity = null;
                _dirty.Add(name);
            }
            foreach (var (name, place) in places)
            {
                var e = EntryLocked(name, place.Tenant);
                if (e.Position == place.Position && e.Capacity == place.Capacity) continue;
                e.Position = place.Position;
                e.Capacity = place.Capacity;
                _dirty.Add(name);
            }
        }
    }

    /// <summary>The job finished or is gone: nothing more is relayed for it (its row goes with its archive).</summary>
    public void Forget(string name)
    {
        lock (_lock)
        {
            _entries.Remove(name);
            _dirty.Remove(name);
        }
    }

    /// <summary>Writes every changed job in one upsert; returns the rows written (0 when nothing changed or the write failed).</summary>
    public async Task<int> FlushAsync(CancellationToken ct)
    {
        List<LiveJobSignal> batch;
        lock (_lock)
        {
            if (_dirty.Count == 0) return 0;
            batch = new List<LiveJobSignal>(_dirty.Count);
            foreach (var name in _dirty)
            {
                var e = _entries[name];
                batch.Add(new LiveJobSignal(ResourceIds.JobIdFromName(name), name, e.Tenant, e.Attempt, e.Progress, e.Position, e.Capacity));
            }
            _dirty.Clear();
        }
        try
        {
            var rows = await write(batch, ct).ConfigureAwait(false);
            written?.Invoke(rows);
            if (_failing) log.LogInformation("live job signals are written again");
            _failing = false;
            return rows;
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            failed?.Invoke();
            if (!_failing) log.LogWarning("live job signals not written (progress and queue positions go stale until the next flush succeeds): {Error}", e.Message);
            _failing = true;
            lock (_lock)
            {
                // Written again at the next flush with their values then (still tracked jobs only).
                foreach (var s in batch)
                {
                    if (_entries.ContainsKey(s.Name)) _dirty.Add(s.Name);
                }
            }
            return 0;
        }
    }

    /// <summary>
    /// Every <paramref name="interval"/>: takes the queue places from <paramref name="places"/>, then flushes. Runs
    /// for the leadership term.
    /// </summary>
    public async Task RunAsync(Func<IReadOnlyDictionary<string, QueuePlace>> places, TimeSpan interval, TimeProvider time, CancellationToken ct)
    {
        using var timer = new PeriodicTimer(interval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(ct).ConfigureAwait(false))
            {
                try
                {
                    SetPositions(places());
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    log.LogWarning("queue positions not computed: {Error}", e.Message);
                }
                await FlushAsync(ct).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    private Entry EntryLocked(string name, string tenant)
    {
        if (!_entries.TryGetValue(name, out var e)) _entries[name] = e = new Entry(tenant);
        return e;
    }

    private sealed class Entry(string tenant)
    {
        public string Tenant { get; } = tenant;
        public int Attempt { get; set; }
        public float? Progress { get; set; }
        public int? Position { get; set; }
        public int? Capacity { get; set; }
    }
}
