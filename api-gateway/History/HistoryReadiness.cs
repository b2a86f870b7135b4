using Nexus.Shared;
using Nexus.Shared.History;

namespace Nexus.Gateway.History;

/// <summary>
/// Brings the history database's schema up to date at start, retrying with backoff while the database is down (each
/// failure logged with its reason, never a crash loop), and tells readiness and the request paths whether it is done:
/// before it is, anything that needs the database answers 503 <c>HISTORY_UNAVAILABLE</c> rather than meeting a
/// missing table.
/// </summary>
public sealed class HistoryReadiness(HistoryDatabase db, ILogger<HistoryReadiness> logger) : BackgroundService
{
    private static readonly TimeSpan FirstRetry = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan LastRetry = TimeSpan.FromSeconds(30);
    private readonly TaskCompletionSource _migrated = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public HistoryDatabase Db => db;

    public bool IsMigrated => _migrated.Task.IsCompleted;

    public Task WaitAsync(CancellationToken ct) => _migrated.Task.WaitAsync(ct);

    /// <summary>The database, once migrated; else <see cref="HistoryUnavailableException"/> (the caller's 503).</summary>
    public HistoryDatabase Ready() => IsMigrated
        ? db
        : throw new HistoryUnavailableException("the job history database is not migrated yet",
            new InvalidOperationException("migration pending"));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        for (var failures = 0; !stoppingToken.IsCancellationRequested; failures++)
        {
            try
            {
                await Task.Delay(Backoff.Delay(failures, FirstRetry, LastRetry), stoppingToken).ConfigureAwait(false);
                var applied = await db.MigrateAsync(stoppingToken).ConfigureAwait(false);
                logger.LogInformation("Job history database ready (migrations applied now: {Applied})", applied.Count == 0 ? "none" : string.Join(", ", applied));
                _migrated.TrySetResult();
                return;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // Down, or refusing us: keep the reason in the log and try again; readiness stays false meanwhile.
                logger.LogWarning("Migrating the job history database failed (attempt {Attempt}), retrying: {Reason}", failures + 1, ex.Message);
            }
        }
    }
}
