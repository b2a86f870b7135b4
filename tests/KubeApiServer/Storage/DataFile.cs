namespace Nexus.KubeApiServer.Storage;

/// <summary>
/// Optional persistence: a write-ahead log of every change, one JSON line each, fsynced before the write is
/// acknowledged (as etcd syncs its WAL). At start the log is replayed and rewritten as a snapshot of the live
/// objects (written beside it, fsynced, then renamed over it), so the file stays about the size of the live
/// state. Every line carries its resourceVersion, so resourceVersions keep increasing across restarts.
/// </summary>
public sealed class DataFile : IDisposable
{
    /// <summary>One object as stored: its collection (plural.group), resourceVersion and JSON.</summary>
    public sealed record Entry(string Key, long Rv, JsonObject Object);

    readonly string _path;
    FileStream _log;

    DataFile(string path, FileStream log)
    {
        _path = path;
        _log = log;
    }

    /// <summary>Reads the file (absent: empty); a torn last line, from a crash mid-write, is ignored.</summary>
    public static (List<Entry> Objects, long Rv) Load(string path)
    {
        var live = new Dictionary<(string Key, string Ns, string Name), Entry>();
        long rv = 0;
        if (!File.Exists(path)) return ([], 0);
        var lines = File.ReadAllLines(path);
        for (var i = 0; i < lines.Length; i++)
        {
            if (lines[i].Length == 0) continue;
            JsonObject line;
            try { line = JsonNode.Parse(lines[i])!.AsObject(); }
            catch (JsonException) when (i == lines.Length - 1) { break; }
            catch (JsonException e) { throw new InvalidDataException($"{path}:{i + 1}: not a data file line: {e.Message}"); }
            var lineRv = line["rv"]!.GetValue<long>();
            rv = Math.Max(rv, lineRv);
            if (line["key"] is null) continue; // the snapshot's header: only the resourceVersion
            var id = (line["key"]!.GetValue<string>(), line["ns"]!.GetValue<string>(), line["name"]!.GetValue<string>());
            if (line["object"] is JsonObject obj) live[id] = new Entry(id.Item1, lineRv, obj);
            else live.Remove(id);
        }
        return (live.Values.OrderBy(e => e.Rv).ToList(), rv);
    }

    /// <summary>Rewrites the file as a snapshot of these objects and opens it for appending.</summary>
    public static DataFile Open(string path, IEnumerable<StoredObject> objects, long rv)
    {
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var temporary = full + ".tmp";
        using (var snapshot = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            Write(snapshot, new JsonObject { ["rv"] = rv });
            foreach (var o in objects) Write(snapshot, Line(o.Type.StorageKey, o.ResourceVersion, o.Namespace, o.Name, o.Node));
            snapshot.Flush(flushToDisk: true);
        }
        File.Move(temporary, full, overwrite: true);
        SyncDirectory(Path.GetDirectoryName(full)!);
        return new DataFile(full, new FileStream(full, FileMode.Append, FileAccess.Write, FileShare.Read));
    }

    static JsonObject Line(string key, long rv, string ns, string name, JsonObject? obj)
    {
        var line = new JsonObject { ["rv"] = rv, ["key"] = key, ["ns"] = ns, ["name"] = name };
        if (obj is not null) line["object"] = obj.DeepClone();
        return line;
    }

    static void Write(FileStream stream, JsonObject line)
    {
        stream.Write(System.Text.Encoding.UTF8.GetBytes(line.ToJsonString()));
        stream.WriteByte((byte)'\n');
    }

    /// <summary>Appends a stored version and syncs it to disk; the caller holds the store's gate.</summary>
    public void AppendPut(StoredObject o) => Append(Line(o.Type.StorageKey, o.ResourceVersion, o.Namespace, o.Name, o.Node));

    /// <summary>Appends a deletion and syncs it to disk.</summary>
    public void AppendDelete(StoredObject last) => Append(Line(last.Type.StorageKey, last.ResourceVersion, last.Namespace, last.Name, null));

    void Append(JsonObject line)
    {
        Write(_log, line);
        _log.Flush(flushToDisk: true);
    }

    static void SyncDirectory(string dir)
    {
        // Makes the rename durable; not every platform lets a directory be opened, and then there is nothing to do.
        try
        {
            using var handle = File.OpenHandle(dir, FileMode.Open, FileAccess.Read);
            RandomAccess.FlushToDisk(handle);
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException) { }
    }

    public override string ToString() => _path;

    public void Dispose() => _log.Dispose();
}
