using Nexus.KubeApiServer.Selectors;
using Nexus.KubeApiServer.Table;

namespace Nexus.KubeApiServer.Watch;

/// <summary>
/// A watch stream: initial state (RV unset/"0") or history replay (given RV), then live events, bookmarks,
/// timeoutSeconds, and an ERROR 410 Expired event for a resourceVersion older than the retained history.
/// </summary>
public static class WatchEndpoint
{
    public static async Task HandleAsync(HttpContext ctx, ObjectStore store, ResourceType type, string? ns, string? name,
        TimeSpan bookmarkInterval, TimeSpan freshnessWait)
    {
        var labels = LabelSelector.Parse(HttpIo.Query(ctx, "labelSelector"));
        var fieldText = HttpIo.Query(ctx, "fieldSelector");
        if (name is not null) fieldText = string.IsNullOrEmpty(fieldText) ? $"metadata.name={name}" : $"{fieldText},metadata.name={name}";
        var fields = FieldSelector.Parse(fieldText, type);
        var rvText = HttpIo.Query(ctx, "resourceVersion");
        var bookmarks = HttpIo.QueryFlag(ctx, "allowWatchBookmarks");
        var timeout = long.TryParse(HttpIo.Query(ctx, "timeoutSeconds"), out var ts) && ts > 0 ? TimeSpan.FromSeconds(ts) : (TimeSpan?)null;
        long fromRv = 0;
        if (!string.IsNullOrEmpty(rvText) && rvText != "0" && !long.TryParse(rvText, out fromRv))
            throw ApiException.BadRequest($"invalid resource version: {rvText}");

        var watcher = new Watcher(type, type.Namespaced ? ns : null, labels, fields);
        var initial = new List<WatchItem>();
        JsonObject? failure = null;
        // A resourceVersion the server has not reached: the watch cache waits for it, then fails the watch with
        // an ERROR event (the request itself was valid), 504 Timeout with a ResourceVersionTooLarge cause.
        if (fromRv > store.CurrentResourceVersion && !await store.WaitForResourceVersionAsync(fromRv, freshnessWait, ctx.RequestAborted))
            failure = ApiException.TooLargeResourceVersion(fromRv, store.CurrentResourceVersion).ToStatus();
        lock (store.Gate)
        {
            if (failure is not null) { /* answered below */ }
            else if (fromRv == 0)
            {
                var source = fields?.ExactName is { } exact && (ns is not null || !type.Namespaced)
                    ? (store.Get(type, ns ?? "", exact) is { } one ? [one] : [])
                    : store.List(type, type.Namespaced ? ns : null);
                foreach (var o in source)
                    if (watcher.Matches(o)) initial.Add(new WatchItem("ADDED", o, null));
            }
            else if (fromRv < store.CompactedResourceVersion)
                failure = ApiException.Expired($"too old resource version: {fromRv} ({store.CompactedResourceVersion + 1})").ToStatus();
            else
                foreach (var e in store.EventsAfter(fromRv, type.StorageKey))
                    if (watcher.Translate(e) is { } item) initial.Add(item);
            if (failure is null) store.Hub.Register(watcher);
        }

        var table = TableBuilder.Wants(ctx.Request.Headers.Accept);
        ctx.Response.StatusCode = 200;
        ctx.Response.ContentType = table ? "application/json;as=Table;v=v1;g=meta.k8s.io" : "application/json";
        ctx.Response.Headers.CacheControl = "no-cache, private";
        var writer = new LineWriter(ctx, type, table, HttpIo.Query(ctx, "includeObject"));
        if (failure is not null)
        {
            await writer.WriteAsync(new WatchItem("ERROR", null, null, Status: failure));
            await ctx.Response.Body.FlushAsync();
            return;
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ctx.RequestAborted);
        if (timeout is { } t) stop.CancelAfter(t);
        using var bookmarkTimer = bookmarks
            ? new Timer(_ =>
            {
                lock (store.Gate)
                    watcher.Queue.Writer.TryWrite(new WatchItem("BOOKMARK", null, null, store.CurrentResourceVersion));
            }, null, bookmarkInterval, bookmarkInterval)
            : null;
        try
        {
            await ctx.Response.StartAsync(stop.Token);
            foreach (var item in initial) await writer.WriteAsync(item);
            // The replay is written: let go of it, or a long-lived watch keeps compacted versions alive.
            initial.Clear();
            initial.TrimExcess();
            await ctx.Response.Body.FlushAsync(stop.Token);
            var reader = watcher.Queue.Reader;
            while (await reader.WaitToReadAsync(stop.Token))
            {
                while (reader.TryRead(out var item)) await writer.WriteAsync(item);
                await ctx.Response.Body.FlushAsync(stop.Token);
            }
        }
        catch (OperationCanceledException)
        {
            // timeoutSeconds elapsed or the client went away: the stream simply ends.
        }
        catch (IOException)
        {
        }
        finally
        {
            store.Hub.Unregister(watcher);
        }
    }

    sealed class LineWriter(HttpContext ctx, ResourceType type, bool table, string? includeObject)
    {
        bool _columnsSent;

        public ValueTask WriteAsync(WatchItem item)
        {
            var line = Line(item);
            return ctx.Response.Body.WriteAsync(line);
        }

        byte[] Line(WatchItem item)
        {
            switch (item.Type)
            {
                case "ERROR":
                    return WatchLines.Event("ERROR", Json.Serialize(item.Status!));
                case "BOOKMARK":
                    var bookmark = new JsonObject
                    {
                        ["kind"] = type.Kind, ["apiVersion"] = type.ApiVersion,
                        ["metadata"] = new JsonObject { ["resourceVersion"] = item.BookmarkRv.ToString() },
                    };
                    return WatchLines.Event("BOOKMARK", Json.Serialize(bookmark));
            }
            if (table)
            {
                var t = TableBuilder.Table(type, [item.Object!], item.Object!.ResourceVersion.ToString(), null, null, includeObject, !_columnsSent);
                _columnsSent = true;
                return WatchLines.Event(item.Type, Json.Serialize(t));
            }
            return item.Source is { } source && source.Type == item.Type ? source.Line : WatchLines.Event(item.Type, item.Object!.Bytes);
        }
    }
}
