namespace Nexus.KubeApiServer.Patching;

/// <summary>
/// Field ownership for server-side apply, as metadata.managedFields (FieldsV1) records it. Simplified where the
/// real structured-merge-diff is finer: a list is one field (owned whole), not merged by its keys. Objects that
/// never saw an apply carry no managedFields, so ordinary writes cost nothing extra.
/// </summary>
public static class ManagedFields
{
    /// <summary>A field path, one segment per key (label keys may contain dots).</summary>
    public sealed record FieldPath(IReadOnlyList<string> Segments)
    {
        public string Text => "." + string.Join('.', Segments);
        public bool Equals(FieldPath? other) => other is not null && Segments.SequenceEqual(other.Segments);
        public override int GetHashCode() => Segments.Aggregate(17, (h, s) => h * 31 + s.GetHashCode(StringComparison.Ordinal));
    }

    static readonly HashSet<string> UnownedMetadata =
        ["name", "namespace", "uid", "resourceVersion", "generation", "creationTimestamp", "deletionTimestamp",
         "deletionGracePeriodSeconds", "managedFields", "selfLink", "generateName"];

    /// <summary>The leaf fields an object (or an applied configuration) sets, status excluded unless asked for.</summary>
    public static HashSet<FieldPath> Leaves(JsonObject obj, bool status)
    {
        var result = new HashSet<FieldPath>();
        foreach (var (key, value) in obj)
        {
            if (key is "apiVersion" or "kind") continue;
            if ((key == "status") != status) continue;
            if (key == "metadata" && value is JsonObject meta)
            {
                foreach (var (mk, mv) in meta)
                    if (!UnownedMetadata.Contains(mk)) Walk(mv, ["metadata", mk], result);
                continue;
            }
            Walk(value, [key], result);
        }
        return result;
    }

    static void Walk(JsonNode? node, List<string> path, HashSet<FieldPath> into)
    {
        if (node is JsonObject o && o.Count > 0)
        {
            foreach (var (k, v) in o)
            {
                path.Add(k);
                Walk(v, path, into);
                path.RemoveAt(path.Count - 1);
            }
            return;
        }
        into.Add(new FieldPath(path.ToArray()));
    }

    public static JsonNode? Get(JsonNode? root, FieldPath path)
    {
        var node = root;
        foreach (var s in path.Segments)
        {
            if (node is not JsonObject o || !o.TryGetPropertyValue(s, out node)) return null;
        }
        return node;
    }

    public static bool Has(JsonNode? root, FieldPath path)
    {
        var node = root;
        foreach (var s in path.Segments)
            if (node is not JsonObject o || !o.TryGetPropertyValue(s, out node)) return false;
        return true;
    }

    /// <summary>Removes a field, and the objects it leaves empty.</summary>
    public static void Remove(JsonObject root, FieldPath path)
    {
        var chain = new List<JsonObject> { root };
        for (var i = 0; i < path.Segments.Count - 1; i++)
        {
            if (chain[^1][path.Segments[i]] is not JsonObject next) return;
            chain.Add(next);
        }
        chain[^1].Remove(path.Segments[^1]);
        for (var i = chain.Count - 1; i > 0; i--)
            if (chain[i].Count == 0) chain[i - 1].Remove(path.Segments[i - 1]);
    }

    /// <summary>FieldsV1: nested {"f:spec":{"f:priority":{}}}.</summary>
    public static JsonObject Encode(IEnumerable<FieldPath> fields)
    {
        var root = new JsonObject();
        foreach (var f in fields.OrderBy(f => f.Text, StringComparer.Ordinal))
        {
            var node = root;
            foreach (var s in f.Segments)
            {
                if (node["f:" + s] is not JsonObject child) node["f:" + s] = child = new JsonObject();
                node = child;
            }
        }
        return root;
    }

    public static HashSet<FieldPath> Decode(JsonNode? fieldsV1)
    {
        var result = new HashSet<FieldPath>();
        void Visit(JsonObject o, List<string> path)
        {
            var children = o.Where(kv => kv.Key.StartsWith("f:", StringComparison.Ordinal)).ToList();
            if (children.Count == 0 && path.Count > 0) result.Add(new FieldPath(path.ToArray()));
            foreach (var (k, v) in children)
            {
                path.Add(k[2..]);
                if (v is JsonObject c) Visit(c, path); else result.Add(new FieldPath(path.ToArray()));
                path.RemoveAt(path.Count - 1);
            }
        }
        if (fieldsV1 is JsonObject root) Visit(root, []);
        return result;
    }

    public sealed record Entry(string Manager, string Operation, string ApiVersion, string? Subresource, HashSet<FieldPath> Fields);

    public static List<Entry> Read(JsonObject obj) =>
        obj["metadata"]?["managedFields"] is JsonArray a
            ? a.OfType<JsonObject>().Select(e => new Entry(Json.Str(e, "manager") ?? "", Json.Str(e, "operation") ?? "Update",
                Json.Str(e, "apiVersion") ?? "", Json.Str(e, "subresource"), Decode(e["fieldsV1"]))).ToList()
            : [];

    /// <summary>Writes the entries; one whose fields did not change keeps its time, so a no-op write stays a no-op.</summary>
    public static void Write(JsonObject obj, IEnumerable<Entry> entries)
    {
        var previous = obj["metadata"]?["managedFields"] as JsonArray;
        var array = new JsonArray();
        foreach (var e in entries.Where(e => e.Fields.Count > 0))
        {
            var fields = Encode(e.Fields);
            var same = previous?.OfType<JsonObject>().FirstOrDefault(p => Json.Str(p, "manager") == e.Manager &&
                Json.Str(p, "operation") == e.Operation && Json.Str(p, "subresource") == e.Subresource && Json.Equal(p["fieldsV1"], fields));
            var o = new JsonObject
            {
                ["manager"] = e.Manager, ["operation"] = e.Operation, ["apiVersion"] = e.ApiVersion,
                ["time"] = same?["time"]?.DeepClone() ?? Json.Now(),
                ["fieldsType"] = "FieldsV1", ["fieldsV1"] = fields,
            };
            if (e.Subresource is not null) o["subresource"] = e.Subresource;
            array.Add(o);
        }
        var meta = Json.Metadata(obj);
        if (array.Count == 0) meta.Remove("managedFields"); else meta["managedFields"] = array;
    }

    /// <summary>
    /// An ordinary write (create, update, patch) to an object whose fields are tracked: the writer takes the
    /// fields it changed from their previous owners, as the API server records an "Update" operation.
    /// </summary>
    public static void RecordUpdate(JsonObject? old, JsonObject next, string manager, string apiVersion, string? subresource)
    {
        var entries = old is null ? Read(next) : Read(old);
        if (entries.Count == 0) return;
        var status = subresource == "status";
        var before = old is null ? [] : Leaves(old, status);
        var after = Leaves(next, status);
        var changed = after.Where(f => !before.Contains(f) || !Json.Equal(Get(old, f), Get(next, f))).ToHashSet();
        foreach (var e in entries) e.Fields.RemoveWhere(f => changed.Contains(f) || !after.Contains(f) && e.Subresource == subresource);
        var mine = entries.FirstOrDefault(e => e.Manager == manager && e.Operation == "Update" && e.Subresource == subresource);
        if (mine is null) entries.Add(mine = new Entry(manager, "Update", apiVersion, subresource, []));
        mine.Fields.UnionWith(changed);
        Write(next, entries);
    }
}
