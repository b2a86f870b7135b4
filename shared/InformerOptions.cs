namespace Nexus.Shared;

/// <summary>
/// What an <see cref="Informer{T}"/> watches and how patiently: the namespace, an optional label selector,
/// the server-side watch timeout, the stall watchdog (longer than the timeout, bookmarks keep it fed) and the
/// jittered reconnect backoff bounds.
/// </summary>
public sealed record InformerOptions(string Namespace)
{
    public string? LabelSelector { get; init; }
    public int WatchTimeoutSeconds { get; init; } = 300;
    public TimeSpan WatchStallTimeout { get; init; } = TimeSpan.FromSeconds(330);
    public TimeSpan WatchReconnectMinDelay { get; init; } = TimeSpan.FromMilliseconds(200);
    public TimeSpan WatchReconnectMaxDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Applied to every object before it enters the cache (list, watch and own writes): drops what the cache's users
    /// never read (<c>managedFields</c>, results), so memory follows the number of live objects, not their history.
    /// </summary>
    public Func<object, object>? Trim { get; init; }
}
