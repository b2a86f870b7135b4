using System.Globalization;

namespace Nexus.KubeApiServer.Table;

/// <summary>
/// The Table the API server prints core Events with (its event printer): LAST SEEN, TYPE, REASON, OBJECT, MESSAGE,
/// and at priority 1 (kubectl -o wide) SUBOBJECT, SOURCE, FIRST SEEN, COUNT, NAME. A series' last observation and
/// count stand for the whole series.
/// </summary>
public static class EventTable
{
    static readonly (string Name, int Priority, string Description)[] Columns =
    [
        ("Last Seen", 0, "The time at which the most recent occurrence of this event was recorded."),
        ("Type", 0, "Type of this event (Normal, Warning), new types could be added in the future"),
        ("Reason", 0, "This should be a short, machine understandable string that gives the reason for the transition into the object's current status."),
        ("Object", 0, "The object that this event is about."),
        ("Subobject", 1, "If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement."),
        ("Source", 1, "The component reporting this event. Should be a short machine understandable string."),
        ("Message", 0, "A human-readable description of the status of this operation."),
        ("First Seen", 1, "The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)"),
        ("Count", 1, "The number of times this event has occurred."),
        ("Name", 1, "Name must be unique within a namespace."),
    ];

    public static JsonArray ColumnDefinitions() => new(Columns.Select(c => (JsonNode?)new JsonObject
    {
        ["name"] = c.Name, ["type"] = "string", ["format"] = c.Name == "Name" ? "name" : "", ["description"] = c.Description,
        ["priority"] = c.Priority,
    }).ToArray());

    public static JsonArray Cells(StoredObject o)
    {
        var e = o.Node;
        var first = Since(Json.Str(e, "firstTimestamp")) ?? Since(Json.Str(e, "eventTime")) ?? "<unknown>";
        var last = Since(Json.Str(e, "lastTimestamp")) ?? first;
        var count = Json.Long(e["count"]) ?? 0;
        if (e["series"] is JsonObject series)
        {
            last = Since(Json.Str(series, "lastObservedTime")) ?? "<unknown>";
            count = Json.Long(series["count"]) ?? 0;
        }
        else if (count == 0) count = 1; // singleton events of the events.k8s.io API carry no count
        var involved = e["involvedObject"] as JsonObject;
        var kind = (Json.Str(involved, "kind") ?? "").ToLowerInvariant();
        var name = Json.Str(involved, "name") ?? "";
        var target = name.Length > 0 ? $"{kind}/{name}" : kind;
        var component = FirstNonEmpty(Json.Str(e["source"], "component"), Json.Str(e, "reportingComponent"));
        var instance = FirstNonEmpty(Json.Str(e["source"], "host"), Json.Str(e, "reportingInstance"));
        var source = component.Length == 0 ? "<unknown>" : instance.Length == 0 ? component : $"{component}, {instance}";
        return new JsonArray(last, Json.Str(e, "type") ?? "", Json.Str(e, "reason") ?? "", target, Json.Str(involved, "fieldPath") ?? "",
            source, (Json.Str(e, "message") ?? "").Trim(), first, count, o.Name);
    }

    static string FirstNonEmpty(string? a, string? b) => !string.IsNullOrEmpty(a) ? a : b ?? "";

    static string? Since(string? timestamp) =>
        !string.IsNullOrEmpty(timestamp) &&
        DateTimeOffset.TryParse(timestamp, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) && t.Year > 1
            ? HumanDuration.Format(DateTimeOffset.UtcNow - t)
            : null;
}
