using k8s;
using k8s.Models;
using Nexus.Gateway.Kube;

namespace Nexus.Gateway.Cache;

/// <summary>
/// Keeps a sink in step with the API server: LIST, then WATCH from the list's resourceVersion, re-watching from the
/// last seen version when a stream ends, and re-listing on 410 Gone (the version is too old to resume from).
/// </summary>
public sealed class Informer<T>(IResourceSource<T> source, IStoreSink<T> sink, int watchTimeoutSeconds, ILogger logger)
    where T : IKubernetesObject<V1ObjectMeta>
{
    private readonly TaskCompletionSource _synced = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public bool IsSynced => _synced.Task.IsCompleted;

    public Task Synced => _synced.Task;

    /// <summary>Lists done so far (the first one and every re-list after 410); lets tests see recovery.</summary>
    public int ListCount { get; private set; }

    public async Task RunAsync(CancellationToken ct)
    {
        string? resourceVersion = null;
        var backoff = TimeSpan.FromMilliseconds(200);
        while (!ct.IsCancellationRequested)
        {
            try
            {
                if (resourceVersion is null)
                {
                    var (items, rv) = await source.ListAsync(ct).ConfigureAwait(false);
                    sink.Replace(items);
                    ListCount++;
                    resourceVersion = rv;
                    _synced.TrySetResult();
                    logger.LogInformation("Listed {Count} {Source} at resourceVersion {ResourceVersion}", items.Count, source.Description, rv);
                }

                var expired = false;
                Exception? streamError = null;
                // A watch that goes silent behind a proxy is abandoned a little after its server-side timeout.
                using var watchdog = CancellationTokenSource.CreateLinkedTokenSource(ct);
                watchdog.CancelAfter(TimeSpan.FromSeconds(watchTimeoutSeconds + 30));
                await foreach (var (type, item) in source.WatchAsync(resourceVersion, watchTimeoutSeconds,
                                   ex => { if (IsExpired(ex)) expired = true; else streamError = ex; }, watchdog.Token)
                                   .ConfigureAwait(false))
                {
                    var rv = item?.Metadata?.ResourceVersion;
                    switch (type)
                    {
                        case WatchEventType.Added:
                        case WatchEventType.Modified:
                            sink.Upsert(item!);
                            break;
                        case WatchEventType.Deleted:
                            sink.Delete(item!);
                            break;
                    }
                    if (!string.IsNullOrEmpty(rv)) resourceVersion = rv;
                    backoff = TimeSpan.FromMilliseconds(200);
                }

                if (expired)
                {
                    logger.LogInformation("Watch of {Source} expired; re-listing", source.Description);
                    resourceVersion = null;
                }
                else if (streamError is not null)
                {
                    logger.LogWarning(streamError, "Watch of {Source} reported an error", source.Description);
                    await Task.Delay(backoff, ct).ConfigureAwait(false);
                    backoff = Next(backoff);
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex) when (IsExpired(ex))
            {
                resourceVersion = null;
            }
            catch (Exception ex) when (IsEndOfEmptyStream(ex) || ex is OperationCanceledException)
            {
                // An empty watch can end this way, and the watchdog cancels silent ones: both are a normal end.
            }
            catch (Exception ex)
            {
                logger.LogWarning(ex, "List/watch of {Source} failed; retrying in {Delay}", source.Description, backoff);
                try { await Task.Delay(backoff, ct).ConfigureAwait(false); }
                catch (OperationCanceledException) { break; }
                backoff = Next(backoff);
            }
        }
    }

    private static TimeSpan Next(TimeSpan backoff) => TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, TimeSpan.FromSeconds(10).Ticks));

    private static bool IsExpired(Exception ex) =>
        KubeErrors.IsGone(ex) || (ex is KubernetesException kex && kex.Status?.Code == 410);

    private static bool IsEndOfEmptyStream(Exception ex) =>
        ex is IOException || ex.InnerException is EndOfStreamException || ex is EndOfStreamException;
}
