using Nexus.Operator.Jobs;
using Nexus.Operator.Pools;

namespace Nexus.Operator.Dispatch;

/// <summary>
/// Matches claimable jobs with free worker slots: whenever a job becomes claimable or a slot frees up, takes
/// the best job (<see cref="ClaimQueue"/>) for each pool with a free slot and hands it to the runner.
/// Jobs are only taken while a pool serving their type has capacity.
/// </summary>
public sealed class Dispatcher
{
    private readonly ClaimQueue _queue;
    private readonly object _lock = new();
    private readonly PoolRegistry _registry;
    private readonly JobRunner _runner;
    private readonly SemaphoreSlim _signal = new(0);

    public Dispatcher(OperatorOptions options, PoolRegistry registry, JobRunner runner)
    {
        _queue = new ClaimQueue(options.AgingThreshold);
        _registry = registry;
        _runner = runner;
        registry.CapacityChanged += Signal;
        runner.SlotFreed += Signal;
    }

    public int Queued
    {
        get { lock (_lock) return _queue.Count; }
    }

    public void Offer(QueuedJob job)
    {
        lock (_lock) _queue.Upsert(job);
        Signal();
    }

    public void Withdraw(string name)
    {
        lock (_lock) _queue.Remove(name);
    }

    public void Signal()
    {
        if (_signal.CurrentCount < 2) _signal.Release();
    }

    public async Task RunAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                // The timeout re-evaluates aging even when nothing changes.
                await _signal.WaitAsync(TimeSpan.FromSeconds(1), ct);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            Pump(ct);
        }
    }

    private void Pump(CancellationToken ct)
    {
        var now = DateTime.UtcNow;
        foreach (var (pool, types) in _registry.PoolsWithFreeSlots(now))
        {
            while (!ct.IsCancellationRequested)
            {
                var url = _registry.TryReserve(pool, now);
                if (url is null) break;
                QueuedJob? job;
                lock (_lock) job = _queue.Take(types, now);
                if (job is null)
                {
                    _registry.Release(url, notify: false);
                    break;
                }
                if (!_runner.TryStart(job, pool, url, ct)) _registry.Release(url, notify: false);
            }
        }
    }
}
