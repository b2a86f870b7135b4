namespace Nexus.Shared;

/// <summary>
/// Whether the API server answers, as seen by one <see cref="KubeApi"/>: every answer (any status) counts as
/// reached, a transport failure (refused, reset, timed out) as lost. Readiness turns false only after the server
/// has been unreachable for longer than <see cref="Grace"/>, so one dropped connection does not flap a probe; liveness
/// never reads this (a restart would not bring the API server back, it would only add a restart storm).
/// </summary>
public sealed class ApiServerHealth(TimeProvider time)
{
    /// <summary>How long the server may be unreachable before readiness turns false.</summary>
    public static readonly TimeSpan DefaultGrace = TimeSpan.FromSeconds(5);

    private readonly object _gate = new();
    private DateTimeOffset? _unreachableSince;
    private DateTimeOffset _lastReached = DateTimeOffset.MinValue;
    private TaskCompletionSource _recovered = NewSignal();
    private string? _lastError;

    public ApiServerHealth() : this(TimeProvider.System)
    {
    }

    public TimeSpan Grace { get; set; } = DefaultGrace;

    /// <summary>Since when no request got an answer; null while the server answers.</summary>
    public DateTimeOffset? UnreachableSince
    {
        get { lock (_gate) return _unreachableSince; }
    }

    /// <summary>When the server last answered anything.</summary>
    public DateTimeOffset LastReached
    {
        get { lock (_gate) return _lastReached; }
    }

    /// <summary>The transport error of the first failure of the current outage.</summary>
    public string? LastError
    {
        get { lock (_gate) return _lastError; }
    }

    /// <summary>False once the server has been unreachable for longer than <see cref="Grace"/>.</summary>
    public bool IsReady
    {
        get
        {
            lock (_gate) return _unreachableSince is not { } since || time.GetUtcNow() - since < Grace;
        }
    }

    /// <summary>
    /// Completes when the server answers again (at once if it already does): a client that lost its connection
    /// cuts its reconnect backoff short instead of staying stale for the rest of it.
    /// </summary>
    public Task NextRecovery
    {
        get { lock (_gate) return _unreachableSince is null ? Task.CompletedTask : _recovered.Task; }
    }

    public void Reached()
    {
        TaskCompletionSource? recovered = null;
        lock (_gate)
        {
            _lastReached = time.GetUtcNow();
            if (_unreachableSince is not null)
            {
                _unreachableSince = null;
                _lastError = null;
                recovered = _recovered;
                _recovered = NewSignal();
            }
        }
        recovered?.TrySetResult();
    }

    public void Lost(Exception error)
    {
        lock (_gate)
        {
            if (_unreachableSince is not null) return;
            _unreachableSince = time.GetUtcNow();
            _lastError = error.Message;
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
