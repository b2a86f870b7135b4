using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace Nexus.Shared;

/// <summary>
/// Keys waiting to be reconciled. A key is queued at most once (the earliest due time wins); a key is never
/// reconciled by two workers at once (an add while it runs re-runs it afterwards); at most
/// <c>concurrency</c> reconciles run together; a failed reconcile is retried with per-key exponential
/// backoff, reset by the next success. Handlers read the latest cached object by key, never a captured copy.
/// </summary>
public sealed class WorkQueue
{
    public delegate Task<TimeSpan?> Handler(string key, CancellationToken ct);

    private readonly string _name;
    private readonly int _concurrency;
    private readonly Handler _handler;
    private readonly ILogger _log;
    private readonly Action<bool>? _onResult;
    private readonly TimeSpan _failureBase;
    private readonly TimeSpan _failureMax;
    private readonly object _lock = new();
    private readonly Dictionary<string, DateTime> _scheduled = new(StringComparer.Ordinal);
    private readonly PriorityQueue<string, DateTime> _timers = new();
    private readonly HashSet<string> _processing = new(StringComparer.Ordinal);
    private readonly HashSet<string> _dirty = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _failures = new(StringComparer.Ordinal);
    private readonly Channel<string> _ready = Channel.CreateUnbounded<string>();
    private readonly SemaphoreSlim _wake = new(0);

    private readonly TimeProvider _time;

    public WorkQueue(string name, int concurrency, Handler handler, ILogger log, Action<bool>? onResult = null,
        TimeSpan? failureBase = null, TimeSpan? failureMax = null, TimeProvider? time = null)
    {
        _time = time ?? TimeProvider.System;
        _name = name;
        _concurrency = Math.Max(1, concurrency);
        _handler = handler;
        _log = log;
        _onResult = onResult;
        _failureBase = failureBase ?? TimeSpan.FromMilliseconds(100);
        _failureMax = failureMax ?? TimeSpan.FromSeconds(60);
    }

    /// <summary>Keys scheduled or running (for tests and metrics).</summary>
    public int Depth
    {
        get { lock (_lock) return _scheduled.Count + _processing.Count; }
    }

    public void Add(string key) => Add(key, TimeSpan.Zero);

    public void Add(string key, TimeSpan delay)
    {
        var due = _time.GetUtcNow().UtcDateTime + (delay < TimeSpan.Zero ? TimeSpan.Zero : delay);
        lock (_lock)
        {
            if (_scheduled.TryGetValue(key, out var existing) && existing <= due) return;
            _scheduled[key] = due;
            _timers.Enqueue(key, due);
        }
        _wake.Release();
    }

    public async Task RunAsync(CancellationToken ct)
    {
        var workers = Enumerable.Range(0, _concurrency).Select(_ => Task.Run(() => WorkAsync(ct), CancellationToken.None)).ToList();
        try
        {
            await ScheduleAsync(ct);
        }
        finally
        {
            _ready.Writer.TryComplete();
            await Task.WhenAll(workers);
        }
    }

    private async Task ScheduleAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            TimeSpan wait;
            lock (_lock)
            {
                var now = _time.GetUtcNow().UtcDateTime;
                while (_timers.TryPeek(out var key, out var due) && due <= now)
                {
                    _timers.Dequeue();
                    if (!_scheduled.TryGetValue(key, out var current) || current != due) continue;
                    _scheduled.Remove(key);
                    if (!_processing.Add(key))
                    {
                        _dirty.Add(key);
                        continue;
                    }
                    _ready.Writer.TryWrite(key);
                }
                wait = _timers.TryPeek(out _, out var next) ? next - now : TimeSpan.FromSeconds(1);
            }
            if (wait < TimeSpan.FromMilliseconds(1)) wait = TimeSpan.FromMilliseconds(1);
            if (wait > TimeSpan.FromSeconds(1)) wait = TimeSpan.FromSeconds(1);
            // Woken by an Add, or when the next key is due on the queue's clock (a fake one in tests).
            using var waiting = CancellationTokenSource.CreateLinkedTokenSource(ct);
            await Task.WhenAny(_wake.WaitAsync(waiting.Token), Task.Delay(wait, _time, waiting.Token));
            await waiting.CancelAsync();
        }
    }

    private async Task WorkAsync(CancellationToken ct)
    {
        await foreach (var key in _ready.Reader.ReadAllAsync(CancellationToken.None))
        {
            if (ct.IsCancellationRequested) break;
            TimeSpan? requeue = null;
            bool ok;
            try
            {
                requeue = await _handler(key, ct);
                ok = true;
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                ok = false;
                _log.LogWarning("{Queue}: reconcile of {Key} failed: {Error}", _name, key, e.Message);
            }
            _onResult?.Invoke(ok);

            bool rerun;
            lock (_lock)
            {
                if (ok)
                {
                    _failures.Remove(key);
                }
                else
                {
                    _failures[key] = _failures.GetValueOrDefault(key) + 1;
                    requeue = Backoff.Delay(_failures[key], _failureBase, _failureMax);
                }
                _processing.Remove(key);
                rerun = _dirty.Remove(key);
            }
            if (rerun) Add(key);
            if (requeue is { } after) Add(key, after);
        }
    }
}
