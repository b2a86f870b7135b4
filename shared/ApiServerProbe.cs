namespace Nexus.Shared;

/// <summary>
/// Keeps <see cref="KubeApi.Health"/> current when the client's own traffic does not: asks the API server's
/// <c>/readyz</c> whenever nothing has been answered for <see cref="Interval"/>, and every second during an outage,
/// so readiness follows an idle gateway's or a standby operator's link to the server in both directions.
/// </summary>
public sealed class ApiServerProbe(KubeApi api)
{
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(5);
    public TimeSpan OutageInterval { get; init; } = TimeSpan.FromSeconds(1);
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(3);

    public async Task RunAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            var health = api.Health;
            var idle = DateTimeOffset.UtcNow - health.LastReached;
            try
            {
                if (health.UnreachableSince is not null || idle >= Interval) await api.ProbeAsync(Timeout, ct).ConfigureAwait(false);
                await Task.Delay(health.UnreachableSince is not null ? OutageInterval : Interval, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
