using Nexus.Crds.Entities;
using Nexus.Operator.Jobs;

namespace Nexus.Operator.Dispatch;

/// <summary>
/// How many jobs each tenant has running (overall and per type), and the holds that follow from its limits: a tenant
/// at its running limit is held in the <see cref="ClaimQueue"/> (its jobs stay queued, others' are claimed) and
/// released when one of its runs ends or its quota grows. Counts are keyed by job name, so a run reported twice
/// (claimed, then re-attached) counts once. Not thread-safe: the scheduler calls it under its queue lock.
/// </summary>
public sealed class TenantLoad(ClaimQueue queue, Func<string, TenantLimits> limitsOf)
{
    private readonly Dictionary<string, (string Tenant, string Type)> _runs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _running = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Tenant, string Type), int> _runningByType = [];

    public int RunningOf(string tenant) => _running.GetValueOrDefault(tenant);
    public int RunningOf(string tenant, string type) => _runningByType.GetValueOrDefault((tenant, type));

    public void Started(string name, string tenant, string type)
    {
        if (!_runs.TryAdd(name, (tenant, type))) return;
        _running[tenant] = RunningOf(tenant) + 1;
        _runningByType[(tenant, type)] = RunningOf(tenant, type) + 1;
        Apply(tenant, type);
    }

    public void Stopped(string name)
    {
        if (!_runs.Remove(name, out var run)) return;
        Decrement(_running, run.Tenant);
        Decrement(_runningByType, run);
        Apply(run.Tenant, run.Type);
    }

    /// <summary>After a change of quotas: every tenant with a run (only they can be at a limit, limits being at least 1) is looked at again.</summary>
    public void Reapply()
    {
        foreach (var (tenant, type) in _runningByType.Keys.ToList()) Apply(tenant, type);
        foreach (var tenant in _running.Keys.ToList()) Apply(tenant, null);
    }

    private void Apply(string tenant, string? type)
    {
        var limits = limitsOf(tenant);
        queue.Hold(tenant, null, limits.MaxRunning is { } max && RunningOf(tenant) >= max);
        if (type is not null) queue.Hold(tenant, type, limits.MaxRunningOf(type) is { } maxOfType && RunningOf(tenant, type) >= maxOfType);
    }

    private static void Decrement<TKey>(Dictionary<TKey, int> counts, TKey key) where TKey : notnull
    {
        if (!counts.TryGetValue(key, out var n)) return;
        if (n <= 1) counts.Remove(key);
        else counts[key] = n - 1;
    }
}
