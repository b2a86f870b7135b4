using System.Globalization;

namespace Nexus.KubeApiServer.Table;

/// <summary>
/// meta.k8s.io/v1 Table output (Accept: ...;as=Table): a Name column, then the CRD's printer columns (or Age),
/// with rows carrying PartialObjectMetadata unless includeObject says otherwise.
/// </summary>
public static class TableBuilder
{
    public static bool Wants(string? accept) => accept is not null && accept.Contains("as=Table", StringComparison.Ordinal);

    static IReadOnlyList<PrinterColumn> ColumnsOf(ResourceType type) =>
        type.Columns.Count > 0 ? type.Columns : [new PrinterColumn("Age", "date", ".metadata.creationTimestamp", null, null, 0)];

    static bool IsCoreEvent(ResourceType type) => type.StorageKey == Builtins.BuiltinTypes.Events.StorageKey;

    public static JsonArray ColumnDefinitions(ResourceType type)
    {
        if (IsCoreEvent(type)) return EventTable.ColumnDefinitions();
        var defs = new JsonArray(new JsonObject
        {
            ["name"] = "Name", ["type"] = "string", ["format"] = "name",
            ["description"] = "Name must be unique within a namespace.", ["priority"] = 0,
        });
        foreach (var c in ColumnsOf(type))
            defs.Add(new JsonObject
            {
                ["name"] = c.Name,
                ["type"] = c.Type,
                ["format"] = c.Format ?? "",
                ["description"] = c.Description ?? $"Custom resource definition column (in JSONPath format): {c.JsonPath}",
                ["priority"] = c.Priority,
            });
        return defs;
    }

    public static JsonObject Table(ResourceType type, IEnumerable<StoredObject> objects, string resourceVersion, string? continueToken,
        long? remaining, string? includeObject, bool withColumns = true)
    {
        var meta = new JsonObject { ["resourceVersion"] = resourceVersion };
        if (!string.IsNullOrEmpty(continueToken)) meta["continue"] = continueToken;
        if (remaining is > 0) meta["remainingItemCount"] = remaining;
        var table = new JsonObject
        {
            ["kind"] = "Table",
            ["apiVersion"] = "meta.k8s.io/v1",
            ["metadata"] = meta,
            ["columnDefinitions"] = withColumns ? ColumnDefinitions(type) : null,
            ["rows"] = new JsonArray(objects.Select(o => (JsonNode?)Row(type, o, includeObject)).ToArray()),
        };
        return table;
    }

    public static JsonObject Row(ResourceType type, StoredObject o, string? includeObject)
    {
        JsonArray cells;
        if (IsCoreEvent(type)) cells = EventTable.Cells(o);
        else
        {
            cells = new JsonArray(JsonValue.Create(o.Name));
            foreach (var c in ColumnsOf(type)) cells.Add(Cell(c, JsonPathLite.Evaluate(o.Node, c.JsonPath)));
        }
        var row = new JsonObject { ["cells"] = cells };
        switch (includeObject)
        {
            case "None":
                break;
            case "Object":
                row["object"] = o.Node.DeepClone();
                break;
            default:
                row["object"] = new JsonObject
                {
                    ["kind"] = "PartialObjectMetadata",
                    ["apiVersion"] = "meta.k8s.io/v1",
                    ["metadata"] = o.Metadata.DeepClone(),
                };
                break;
        }
        return row;
    }

    static JsonNode? Cell(PrinterColumn column, JsonNode? value)
    {
        if (value is null) return null;
        switch (column.Type)
        {
            case "string":
                return value is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : value.ToJsonString();
            case "integer":
                return value is JsonValue i && i.GetValueKind() == JsonValueKind.Number ? (long)i.GetValue<double>() : null;
            case "number":
                return value is JsonValue n && n.GetValueKind() == JsonValueKind.Number ? n.GetValue<double>() : null;
            case "boolean":
                return value is JsonValue b && b.GetValueKind() is JsonValueKind.True or JsonValueKind.False ? b.GetValue<bool>() : null;
            case "date":
                if (value is JsonValue d && d.GetValueKind() == JsonValueKind.String)
                    return DateTimeOffset.TryParse(d.GetValue<string>(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t)
                        ? HumanDuration.Format(DateTimeOffset.UtcNow - t)
                        : "<invalid>";
                return null;
            default:
                return null;
        }
    }
}
