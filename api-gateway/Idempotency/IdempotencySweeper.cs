namespace Nexus.Gateway.Idempotency;

/// <summary>Removes expired Idempotency-Key records every few minutes.</summary>
public sealed class IdempotencySweeper(IdempotencyKeys keys, ILogger<IdempotencySweeper> logger) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromMinutes(10);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(Interval, stoppingToken).ConfigureAwait(false);
                var deleted = await keys.SweepAsync(stoppingToken).ConfigureAwait(false);
                if (deleted > 0) logger.LogInformation("Removed {Count} expired idempotency records", deleted);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                logger.LogWarning(ex, "Sweeping idempotency records failed");
            }
        }
    }
}
