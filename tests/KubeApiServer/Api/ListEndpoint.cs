using System.Text;
using Nexus.KubeApiServer.Selectors;
using Nexus.KubeApiServer.Table;

namespace Nexus.KubeApiServer.Api;

/// <summary>LIST with label/field selectors, limit/continue paging and Table output.</summary>
public static class ListEndpoint
{
    sealed record ContinueToken(long Rv, string Ns, string Name);

    static string Encode(ContinueToken t) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new JsonObject { ["rv"] = t.Rv, ["ns"] = t.Ns, ["name"] = t.Name })));

    static ContinueToken Decode(string token)
    {
        try
        {
            var o = JsonNode.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(token)))!;
            return new ContinueToken(o["rv"]!.GetValue<long>(), o["ns"]!.GetValue<string>(), o["name"]!.GetValue<string>());
        }
        catch (Exception e) when (e is FormatException or JsonException or NullReferenceException or InvalidOperationException)
        {
            throw ApiException.BadRequest("continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)");
        }
    }

    /// <summary>
    /// resourceVersion=N (not 0) asks for a state at least as new as N: wait for the store to reach it, then answer
    /// as the watch cache does when it has not — 504 with a ResourceVersionTooLarge cause.
    /// </summary>
    public static async Task RequireFreshAsync(HttpContext ctx, ObjectStore store, string? rvText, TimeSpan wait)
    {
        if (string.IsNullOrEmpty(rvText) || rvText == "0") return;
        if (!long.TryParse(rvText, out var rv) || rv < 0) throw ApiException.BadRequest($"invalid resource version: {rvText}");
        if (rv <= store.CurrentResourceVersion) return;
        if (!await store.WaitForResourceVersionAsync(rv, wait, ctx.RequestAborted))
            throw ApiException.TooLargeResourceVersion(rv, store.CurrentResourceVersion);
    }

    public static async Task HandleAsync(HttpContext ctx, ObjectStore store, ResourceType type, string? ns, TimeSpan freshnessWait)
    {
        await RequireFreshAsync(ctx, store, HttpIo.Query(ctx, "resourceVersion"), freshnessWait);
        var labels = LabelSelector.Parse(HttpIo.Query(ctx, "labelSelector"));
        var fields = FieldSelector.Parse(HttpIo.Query(ctx, "fieldSelector"), type);
        var limitText = HttpIo.Query(ctx, "limit");
        var limit = long.TryParse(limitText, out var l) && l > 0 ? l : long.MaxValue;
        var continueText = HttpIo.Query(ctx, "continue");
        var token = string.IsNullOrEmpty(continueText) ? null : Decode(continueText);

        List<StoredObject> page;
        long listRv;
        string? next = null;
        long remaining = 0;
        lock (store.Gate)
        {
            if (token is not null && token.Rv < store.CompactedResourceVersion)
                throw ApiException.Expired(
                    "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.");
            listRv = token?.Rv ?? store.CurrentResourceVersion;
            IEnumerable<StoredObject> source;
            if (fields?.ExactName is { } exact && (ns is not null || !type.Namespaced))
                source = store.Get(type, ns ?? "", exact) is { } one && token is null ? [one] : [];
            else
                source = store.List(type, type.Namespaced ? ns : null, token is null ? null : (token.Ns, token.Name));
            page = new List<StoredObject>();
            foreach (var o in source)
            {
                if ((labels is not null && !labels.Matches(o)) || (fields is not null && !fields.Matches(o))) continue;
                if (page.Count < limit) page.Add(o);
                else remaining++;
            }
            if (remaining > 0) next = Encode(new ContinueToken(listRv, page[^1].Namespace, page[^1].Name));
        }

        if (TableBuilder.Wants(ctx.Request.Headers.Accept))
        {
            var table = TableBuilder.Table(type, page, listRv.ToString(), next, remaining > 0 ? remaining : null, HttpIo.Query(ctx, "includeObject"));
            await HttpIo.WriteAsync(ctx, 200, table, "application/json;as=Table;v=v1;g=meta.k8s.io");
            return;
        }
        await HttpIo.WriteBytesAsync(ctx, 200, ListBytes(type, page, listRv, next, remaining));
    }

    static byte[] ListBytes(ResourceType type, List<StoredObject> items, long rv, string? next, long remaining)
    {
        var meta = new JsonObject { ["resourceVersion"] = rv.ToString() };
        if (next is not null)
        {
            meta["continue"] = next;
            meta["remainingItemCount"] = remaining;
        }
        var head = Encoding.UTF8.GetBytes(
            $"{{\"kind\":\"{type.ListKind}\",\"apiVersion\":\"{type.ApiVersion}\",\"metadata\":{meta.ToJsonString()},\"items\":[");
        var size = head.Length + 2 + items.Sum(i => i.Bytes.Length + 1);
        using var ms = new MemoryStream(size);
        ms.Write(head);
        for (var i = 0; i < items.Count; i++)
        {
            if (i > 0) ms.WriteByte((byte)',');
            ms.Write(items[i].Bytes);
        }
        ms.Write("]}"u8);
        return ms.ToArray();
    }
}
