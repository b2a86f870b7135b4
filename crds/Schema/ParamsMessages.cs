namespace Nexus.Crds.Schema;

/// <summary>
/// The wording of a params violation, one text per JSON Schema keyword: the gateway's INVALID_PARAMS details
/// (api-gateway/Validation/SchemaErrors.cs) and the AiJob and AiJobBatch CRDs' CEL messages (<see cref="ParamsRules"/>)
/// both take their text from here, so kubectl and the REST API say the same for the same params. A limit is the
/// keyword's value as the schema file writes it (its raw JSON text: <c>0.5</c>, <c>5000</c>).
/// </summary>
public static class ParamsMessages
{
    public const string Required = "is required";

    /// <summary><c>format: date</c>: the value is not a calendar day (2026-02-30), or not written YYYY-MM-DD.</summary>
    public const string CalendarDate = "must be a calendar date: YYYY-MM-DD";

    public static string UnknownParameter(string type, IEnumerable<string> allowed) =>
        $"unknown parameter for {type}; allowed: {string.Join(", ", allowed)}";

    /// <summary>The message of a keyword whose text is its limit alone, or null when the keyword is not one of them.</summary>
    public static string? Bound(string keyword, string limit) => keyword switch
    {
        "minimum" => $"must be at least {limit}",
        "maximum" => $"must be at most {limit}",
        "exclusiveMinimum" => $"must be greater than {limit}",
        "exclusiveMaximum" => $"must be less than {limit}",
        "minItems" => $"must contain at least {limit} items",
        "minLength" => $"must be at least {limit} characters long",
        "maxLength" => $"must be at most {limit} characters long",
        "const" => $"must be {limit}",
        _ => null,
    };

    public static string Pattern(string pattern) => $"must match the pattern {pattern}";

    public static string OneOf(IEnumerable<string> allowed) => $"must be one of: {string.Join(", ", allowed)}";

    /// <summary>maxItems names the count found: the CRD states it with a messageExpression, so the text is split there.</summary>
    public static string MaxItemsBeforeCount(string limit) => $"must contain at most {limit} items, got ";

    public static string MaxItems(string limit, int count) => MaxItemsBeforeCount(limit) + count;

    public static string Format(string format) => format == "date" ? CalendarDate : $"must be a valid {format}";

    /// <summary>A type mismatch; <paramref name="expected"/> and <paramref name="got"/> are JSON type names.</summary>
    public static string Type(IEnumerable<string> expected, string got) =>
        $"must be {string.Join(" or ", expected.Select(Article))}, got {Article(got)}";

    private static string Article(string type) => type switch
    {
        "array" => "an array",
        "integer" => "an integer",
        "object" => "an object",
        "null" => "null",
        _ => "a " + type,
    };
}
