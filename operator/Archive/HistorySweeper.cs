using Microsoft.Extensions.Logging;
using Nexus.Operator.Metrics;
using Nexus.Shared.History;

namespace Nexus.Operator.Archive;

/// <summary>
/// Runs the history database's retention sweep (<see cref="RetentionSweeper.SweepAsync"/>) on the leader every
/// <see cref="OperatorOptions.HistorySweepInterval"/>, and exports what it deleted as counters per table.
/// </summary>
public sealed class HistorySweeper(HistoryDatabase history, HistoryStartup startup, OperatorMetrics metrics, OperatorOptions options,
    TimeProvider time, ILogger<HistorySweeper> log)
{
    public async Task RunAsync(CancellationToken ct)
    {
        try
        {
            while (!ct.IsCancellationRequested)
            {
                if (startup.IsMigrated) await SweepOnceAsync(ct);
                await Task.Delay(startup.IsMigrated ? options.HistorySweepInterval : options.ArchiveRetryMaxDelay, time, ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    private async Task SweepOnceAsync(CancellationToken ct)
    {
        try
        {
            var swept = await history.Retention.SweepAsync(ct: ct);
            metrics.HistorySwept.WithLabels("jobs").Inc(swept.Jobs);
            metrics.HistorySwept.WithLabels("job_results").Inc(swept.Results);
            metrics.HistorySwept.WithLabels("batches").Inc(swept.Batches);
            metrics.HistorySwept.WithLabels("idempotency_keys").Inc(swept.IdempotencyKeys);
            metrics.HistorySweeps.WithLabels("success").Inc();
            if (swept.Total > 0)
                log.LogInformation("retention sweep deleted {Jobs} jobs, {Results} results, {Batches} batches, {Keys} idempotency keys",
                    swept.Jobs, swept.Results, swept.Batches, swept.IdempotencyKeys);
        }
        catch (HistoryUnavailableException e)
        {
            metrics.HistorySweeps.WithLabels("error").Inc();
            log.LogWarning("retention sweep skipped, history database unavailable: {Error}", e.Message);
        }
    }
}
