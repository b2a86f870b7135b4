namespace Nexus.KubeApiServer.Faults;

/// <summary>
/// Test hooks that make the server misbehave on purpose: failed requests, latency, dropped watches,
/// and a compacted history (so watches from old resourceVersions get 410).
/// </summary>
public sealed class FaultInjector
{
    sealed class FailureRule(int remaining, int status, string? verb, string? resource)
    {
        public int Remaining = remaining;
        public int Status { get; } = status;
        public bool Matches(string v, string? r) => (verb is null || verb == v) && (resource is null || resource == r);
    }

    readonly List<FailureRule> _rules = new();
    readonly object _gate = new();
    readonly ObjectStore _store;
    long _latencyTicks;

    internal FaultInjector(ObjectStore store) => _store = store;

    /// <summary>Delay added before every request is handled.</summary>
    public TimeSpan Latency
    {
        get => TimeSpan.FromTicks(Interlocked.Read(ref _latencyTicks));
        set => Interlocked.Exchange(ref _latencyTicks, value.Ticks);
    }

    /// <summary>
    /// Answers the next <paramref name="count"/> matching requests with a Status of <paramref name="statusCode"/>
    /// (500 InternalError, 429 TooManyRequests with Retry-After, 503, 409, ...). Filters: Kubernetes verb
    /// (get, list, watch, create, update, patch, delete) and resource plural (aijobs, leases, ...).
    /// </summary>
    public void FailNext(int count, int statusCode, string? verb = null, string? resource = null)
    {
        lock (_gate) _rules.Add(new FailureRule(count, statusCode, verb, resource));
    }

    /// <summary>Ends every open watch stream; returns how many were open.</summary>
    public int DropAllWatches() => _store.Hub.DropAll();

    /// <summary>Forgets all watch history: watching from any resourceVersion older than now gets ERROR 410 Expired.</summary>
    public void CompactHistory() => _store.Compact();

    public void Clear()
    {
        lock (_gate) _rules.Clear();
        Latency = TimeSpan.Zero;
    }

    internal int? TakeFailure(string verb, string? resource)
    {
        lock (_gate)
        {
            foreach (var rule in _rules)
                if (rule.Remaining > 0 && rule.Matches(verb, resource))
                {
                    rule.Remaining--;
                    if (rule.Remaining == 0) _rules.Remove(rule);
                    return rule.Status;
                }
            return null;
        }
    }
}
