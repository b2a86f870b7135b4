using System.Text.Json;
using Nexus.Gateway.Outcomes;

namespace Nexus.Gateway.Api;

/// <summary>
/// What the JSON parser lets through but a request must not hold: a key repeated in an object (which value counts
/// depends on who reads it: the gateway, the API server, a worker), text that is not Unicode (invalid UTF-8, or an
/// escaped unpaired surrogate such as <c>"\ud800"</c>), and numbers beyond a double's range (a worker reads them
/// as infinity or fails).
/// </summary>
public static class StrictJson
{
    public static Rejection? Check(JsonElement root)
    {
        try
        {
            return Walk(root, "body");
        }
        catch (InvalidOperationException)
        {
            // GetString and property names refuse to decode invalid UTF-8 or an unpaired surrogate.
            return new Rejection(ErrorCodes.InvalidJson, "Request body is not valid JSON: a string is not valid UTF-8 or holds an unpaired surrogate",
                [new FieldError("body", "contains text that is not valid Unicode")]);
        }
    }

    private static Rejection? Walk(JsonElement element, string path)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                var seen = new HashSet<string>(StringComparer.Ordinal);
                foreach (var property in element.EnumerateObject())
                {
                    var at = path == "body" ? property.Name : $"{path}.{property.Name}";
                    if (!seen.Add(property.Name))
                        return new Rejection(ErrorCodes.DuplicateKey, $"Key '{at}' appears more than once; each key may appear once per object",
                            [new FieldError(at, "repeated key")]);
                    if (Walk(property.Value, at) is { } inner) return inner;
                }
                return null;
            case JsonValueKind.Array:
                var index = 0;
                foreach (var item in element.EnumerateArray())
                    if (Walk(item, $"{path}[{index++}]") is { } inner) return inner;
                return null;
            case JsonValueKind.String:
                _ = element.GetString();
                return null;
            case JsonValueKind.Number:
                return element.TryGetDouble(out var value) && double.IsFinite(value)
                    ? null
                    : new Rejection(ErrorCodes.InvalidJson, $"Number at '{path}' is out of range", [new FieldError(path, "number out of range")]);
            default:
                return null;
        }
    }
}
