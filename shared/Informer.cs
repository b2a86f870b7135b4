using System.Collections.Concurrent;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Nexus.Shared;

/// <summary>
/// Keeps an in-memory copy of every object of one kind in one namespace: LIST, then WATCH from the list's
/// resourceVersion with bookmarks. As client-go's reflector does, the watch is resumed from the last resourceVersion
/// only when the server closed the stream in order; it re-lists, replaces the cache and synthesizes the deletes the
/// watch missed when the server cannot resume it (410 Gone: compacted; 504 "Too large resource version": the server
/// is behind the cache, e.g. restored or restarted empty; any other ERROR or error answer) and after every lost
/// connection (a refused or reset connection, a stream cut off): the server on the other side of a reconnect may be
/// a new one whose state and resourceVersions are not what was cached. A stream silent for longer than the stall
/// timeout (bookmarks included) is abandoned by a watchdog. Reconnects back off with jitter when streams keep failing
/// fast, cut short when the API server answers again. The cache holds exactly one object per name, whatever the
/// number of reconnects.
/// </summary>
public sealed class Informer<T> where T : class, IKubernetesObject<V1ObjectMeta>
{
    private readonly KubeApi _api;
    private readonly string _collection;
    private readonly InformerOptions _options;
    private readonly ILogger _log;
    private readonly ConcurrentDictionary<string, T> _cache = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource _synced = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly object _applyLock = new();
    // Uids deleted lately (bounded): a late answer of our own write must not bring a deleted object back.
    private readonly HashSet<string> _deletedUids = new(StringComparer.Ordinal);
    private readonly Queue<string> _deletedOrder = new();
    private const int DeletedUidsKept = 4096;
    private string _resourceVersion = "";
    private long _staleSinceTicks;
    private long _restarts;
    private long _relists;

    public Informer(KubeApi api, ResourceKind kind, InformerOptions options, ILogger log)
    {
        _api = api;
        Kind = kind;
        _collection = kind.Collection(options.Namespace);
        _options = options;
        _log = log;
    }

    public ResourceKind Kind { get; }

    /// <summary>(old, new): old null on add, new null on delete. Called on the watch loop: keep handlers cheap.</summary>
    public event Action<T?, T?>? Changed;

    /// <summary>Called each time a watch stream is reopened (not the first open).</summary>
    public event Action? Restarted;

    public bool IsSynced => _synced.Task.IsCompleted;
    public Task WaitForSyncAsync(CancellationToken ct) => _synced.Task.WaitAsync(ct);
    public long Restarts => Interlocked.Read(ref _restarts);
    public long Relists => Interlocked.Read(ref _relists);
    public int Count => _cache.Count;
    public string LastResourceVersion => _resourceVersion;

    /// <summary>
    /// Since when the cache may not be the server's state: set when the connection is lost, cleared by the re-list
    /// that follows. Null while the cache is current.
    /// </summary>
    public DateTimeOffset? StaleSince => Interlocked.Read(ref _staleSinceTicks) is var t and > 0 ? new DateTimeOffset(t, TimeSpan.Zero) : null;

    public T? Get(string name) => _cache.TryGetValue(name, out var value) ? value : null;
    public ICollection<T> Items => _cache.Values;

    /// <summary>
    /// Takes in the answer of our own write at once, so the next decision does not wait for the watch. Never goes
    /// back in time: an older resourceVersion of the cached object, or an object whose deletion was already seen,
    /// is ignored.
    /// </summary>
    public void Upsert(T obj) => Apply(obj, deleted: false, ownWrite: true);

    public async Task RunAsync(CancellationToken ct)
    {
        var fastFailures = 0;
        var needList = true;
        var first = true;
        while (!ct.IsCancellationRequested)
        {
            var openedAt = DateTime.UtcNow;
            var delivered = false;
            var lostConnection = false;
            try
            {
                if (needList)
                {
                    await RelistAsync(ct);
                    needList = false;
                }
                if (!first)
                {
                    Interlocked.Increment(ref _restarts);
                    Restarted?.Invoke();
                }
                first = false;
                (needList, delivered) = await WatchOnceAsync(ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (KubeApiException e) when (e.IsGone)
            {
                needList = true;
            }
            catch (Exception e) when (e is HttpRequestException or IOException)
            {
                // Lost connection: whatever answers next is re-listed, never trusted to resume our resourceVersion.
                if (!needList) _log.LogWarning("connection to the API server lost while watching {Kind}: {Error}; will re-list", Kind.Plural, e.Message);
                needList = true;
                lostConnection = true;
                Interlocked.CompareExchange(ref _staleSinceTicks, DateTimeOffset.UtcNow.UtcTicks, 0);
            }
            catch (Exception e)
            {
                _log.LogWarning("watch of {Kind} failed: {Error}", Kind.Plural, e.Message);
                needList = needList || e is KubeApiException;
            }

            // A stream that ends quickly without delivering anything counts as a failure: back off so a
            // misbehaving server is not hammered (reconnect storms); a healthy stream resets the count.
            fastFailures = delivered || DateTime.UtcNow - openedAt > TimeSpan.FromSeconds(5) ? 0 : fastFailures + 1;
            var delay = fastFailures == 0 ? TimeSpan.Zero
                : Backoff.Delay(fastFailures, _options.WatchReconnectMinDelay, _options.WatchReconnectMaxDelay);
            if (delay > TimeSpan.Zero)
            {
                try
                {
                    var wait = Task.Delay(delay, ct);
                    // After a lost connection the wait ends as soon as the server answers again (the probe's
                    // or anyone's request): a stale cache should not outlive the outage by a whole backoff.
                    if (lostConnection) await Task.WhenAny(wait, _api.Health.NextRecovery.WaitAsync(ct));
                    else await wait;
                    ct.ThrowIfCancellationRequested();
                }
                catch (OperationCanceledException) { return; }
            }
        }
    }

    private async Task RelistAsync(CancellationToken ct)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        string? cont = null;
        string rv;
        do
        {
            var page = await _api.ListAsync<T>(_collection, cont, 500, ct, _options.LabelSelector);
            foreach (var item in page.Items)
            {
                seen.Add(item.Metadata.Name);
                Apply(item, deleted: false, replace: true);
            }
            rv = page.ResourceVersion;
            cont = page.Continue;
        } while (cont is not null);

        // Whatever the cache holds that the list does not was deleted while we were not watching.
        foreach (var (name, obj) in _cache)
        {
            if (!seen.Contains(name)) Apply(obj, deleted: true);
        }
        _resourceVersion = rv;
        Interlocked.Exchange(ref _staleSinceTicks, 0);
        Interlocked.Increment(ref _relists);
        _synced.TrySetResult();
    }

    /// <returns>(relist needed, anything delivered)</returns>
    private async Task<(bool, bool)> WatchOnceAsync(CancellationToken ct)
    {
        using var watchdog = CancellationTokenSource.CreateLinkedTokenSource(ct);
        watchdog.CancelAfter(_options.WatchStallTimeout);
        var delivered = false;
        try
        {
            await foreach (var e in _api.WatchAsync(_collection, _resourceVersion, _options.WatchTimeoutSeconds, watchdog.Token, _options.LabelSelector))
            {
                watchdog.CancelAfter(_options.WatchStallTimeout);
                delivered = true;
                switch (e.Type)
                {
                    case "ADDED":
                    case "MODIFIED":
                        Apply(KubernetesJson.Deserialize<T>(e.RawObject), deleted: false);
                        break;
                    case "DELETED":
                        Apply(KubernetesJson.Deserialize<T>(e.RawObject), deleted: true);
                        break;
                    case "BOOKMARK":
                        break;
                    case "ERROR":
                        _log.LogInformation("watch of {Kind} ended with {Code}: {Message}; re-listing", Kind.Plural, e.ErrorCode, e.ErrorMessage);
                        return (true, delivered);
                }
                if (e.ResourceVersion is { Length: > 0 } rv) _resourceVersion = rv;
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            _log.LogWarning("watch of {Kind} silent for {Timeout}; reopening", Kind.Plural, _options.WatchStallTimeout);
        }
        return (false, delivered);
    }

    /// <param name="replace">
    /// A listed object: the server's current state, taken even when its resourceVersion is lower than the cached
    /// one (a server restored from a backup or restarted empty issues lower ones).
    /// </param>
    private void Apply(T obj, bool deleted, bool ownWrite = false, bool replace = false)
    {
        if (_options.Trim is { } trim) obj = (T)trim(obj);
        // Handlers run under the lock so they see changes of one object in order (counters stay exact).
        lock (_applyLock)
        {
            var name = obj.Metadata.Name;
            _cache.TryGetValue(name, out var old);
            if (deleted)
            {
                if (old is null) return;
                // A delete for an older incarnation (same name, other uid) must not remove the new one.
                if (old.Metadata.Uid is { } u && obj.Metadata.Uid is { } v && u != v) return;
                _cache.TryRemove(name, out _);
                RememberDeletedLocked(old.Metadata.Uid);
            }
            else
            {
                if (ownWrite && obj.Metadata.Uid is { } uid && _deletedUids.Contains(uid)) return;
                if (old is not null && old.Metadata.Uid == obj.Metadata.Uid)
                {
                    if (old.Metadata.ResourceVersion == obj.Metadata.ResourceVersion) return;
                    if (!replace && ResourceVersions.IsOlder(obj.Metadata.ResourceVersion, old.Metadata.ResourceVersion)) return;
                }
                _cache[name] = obj;
            }
            try
            {
                Changed?.Invoke(old, deleted ? null : obj);
            }
            catch (Exception e)
            {
                _log.LogError(e, "handler for {Kind} failed", Kind.Plural);
            }
        }
    }

    private void RememberDeletedLocked(string? uid)
    {
        if (uid is null || !_deletedUids.Add(uid)) return;
        _deletedOrder.Enqueue(uid);
        if (_deletedOrder.Count > DeletedUidsKept) _deletedUids.Remove(_deletedOrder.Dequeue());
    }
}
