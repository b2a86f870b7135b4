using Microsoft.Extensions.Logging;
using Nexus.Shared;
using Nexus.Shared.History;

namespace Nexus.Operator.Archive;

/// <summary>
/// Brings the history database's schema up to date at start, retrying with backoff while the database is down (each
/// failure logged with its reason, so a crash loop never hides it). Readiness and every archive write wait on it;
/// claiming and running jobs do not.
/// </summary>
public sealed class HistoryStartup(HistoryDatabase history, OperatorOptions options, TimeProvider time, ILogger log)
{
    private readonly TaskCompletionSource _migrated = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public bool IsMigrated => _migrated.Task.IsCompleted;

    /// <summary>Throws <see cref="HistoryUnavailableException"/> while the schema is not known to be current.</summary>
    public void EnsureMigrated()
    {
        if (!IsMigrated) throw new HistoryUnavailableException("the job history database has not been reached since the operator started",
            new InvalidOperationException("migrations not applied yet"));
    }

    public async Task RunAsync(CancellationToken ct)
    {
        for (var failures = 1; !ct.IsCancellationRequested; failures++)
        {
            try
            {
                var applied = await history.MigrateAsync(ct);
                log.LogInformation("history database ready (migrations applied now: {Applied})", applied.Count == 0 ? "none" : string.Join(", ", applied));
                _migrated.TrySetResult();
                return;
            }
            catch (HistoryUnavailableException e)
            {
                var delay = Backoff.Delay(failures, options.ArchiveRetryBaseDelay, options.ArchiveRetryMaxDelay);
                log.LogWarning("history database unavailable at start (attempt {Attempt}); retrying in {Delay:0.0}s. Jobs are claimed and run " +
                               "meanwhile; finished ones stay in the API until archived. {Error}", failures, delay.TotalSeconds, e.Message);
                try { await Task.Delay(delay, time, ct); } catch (OperationCanceledException) { return; }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
        }
    }
}
