namespace Nexus.KubeApiServer.Storage;

/// <summary>
/// One persisted object version. Never mutated after creation: writers clone <see cref="Node"/>, so readers
/// (lists, watch fan-out) share it without locks, and the serialized bytes are computed once.
/// </summary>
public sealed class StoredObject
{
    public StoredObject(ResourceType type, JsonObject node, long resourceVersion)
    {
        Type = type;
        Node = node;
        ResourceVersion = resourceVersion;
        var meta = Model.Json.Metadata(node);
        Namespace = Model.Json.Str(meta, "namespace") ?? "";
        Name = Model.Json.Str(meta, "name") ?? "";
        Uid = Model.Json.Str(meta, "uid") ?? "";
        Model.Json.Freeze(node);
        Bytes = Model.Json.Serialize(node);
    }

    public ResourceType Type { get; }
    public JsonObject Node { get; }
    public byte[] Bytes { get; }
    public long ResourceVersion { get; }
    public string Namespace { get; }
    public string Name { get; }
    public string Uid { get; }

    public JsonObject Metadata => (JsonObject)Node["metadata"]!;
    public JsonObject Clone() => (JsonObject)Node.DeepClone();
    public bool IsTerminating => Metadata["deletionTimestamp"] is not null;

    public IReadOnlyList<string> Finalizers =>
        Metadata["finalizers"] is JsonArray a ? a.Select(f => f?.GetValue<string>() ?? "").ToList() : [];

    public IEnumerable<JsonObject> OwnerReferences =>
        Metadata["ownerReferences"] is JsonArray a ? a.OfType<JsonObject>() : [];

    public string? Label(string key) => Metadata["labels"] is JsonObject l ? Model.Json.ScalarText(l[key]) : null;
    public bool HasLabel(string key) => Metadata["labels"] is JsonObject l && l.ContainsKey(key);
}

/// <summary>A change in the store; the unit of watch history and fan-out.</summary>
public sealed class StoredEvent(string type, StoredObject obj, StoredObject? previous)
{
    public string Type { get; } = type;
    public StoredObject Object { get; } = obj;
    /// <summary>The state before a MODIFIED, so selector-filtered watches can emit ADDED/DELETED on transitions.</summary>
    public StoredObject? Previous { get; } = previous;
    public long ResourceVersion => Object.ResourceVersion;

    byte[]? _line;
    /// <summary>The JSON watch line for this event, serialized once however many watchers receive it.</summary>
    public byte[] Line => _line ??= WatchLines.Event(Type, Object.Bytes);
}

public static class WatchLines
{
    static readonly byte[] Prefix = "{\"type\":\""u8.ToArray();
    static readonly byte[] Middle = "\",\"object\":"u8.ToArray();
    static readonly byte[] Suffix = "}\n"u8.ToArray();

    public static byte[] Event(string type, byte[] objectBytes)
    {
        var t = System.Text.Encoding.UTF8.GetBytes(type);
        var line = new byte[Prefix.Length + t.Length + Middle.Length + objectBytes.Length + Suffix.Length];
        var span = line.AsSpan();
        Prefix.CopyTo(span); span = span[Prefix.Length..];
        t.CopyTo(span); span = span[t.Length..];
        Middle.CopyTo(span); span = span[Middle.Length..];
        objectBytes.CopyTo(span); span = span[objectBytes.Length..];
        Suffix.CopyTo(span);
        return line;
    }
}
