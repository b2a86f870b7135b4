using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;
using Nexus.Crds.Entities;
using Nexus.Gateway.Outcomes;

namespace Nexus.Gateway.Validation;

/// <summary>
/// Each job type's params JSON Schema (2020-12), as generated from the workers' params models into
/// <c>crds/params/&lt;type&gt;.schema.json</c> and embedded in this assembly, so the gateway accepts exactly what the
/// workers accept, here and in the container image alike. Validation is JsonSchema.Net's; only the wording of the
/// field errors is ours (<see cref="SchemaErrors"/>).
/// </summary>
public static class JobParamsSchemas
{
    private const string ResourcePrefix = "Nexus.Gateway.Params.";
    private const string ResourceSuffix = ".schema.json";

    /// <summary>Every known job type's schema; the gateway does not start when one is missing or extra.</summary>
    public static readonly IReadOnlyDictionary<string, JobParamsSchema> ByType = Load();

    public static JobParamsSchema Of(string type) => ByType[type];

    private static Dictionary<string, JobParamsSchema> Load()
    {
        var assembly = typeof(JobParamsSchemas).Assembly;
        var found = assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal) && n.EndsWith(ResourceSuffix, StringComparison.Ordinal))
            .ToDictionary(n => n[ResourcePrefix.Length..^ResourceSuffix.Length], n => n, StringComparer.Ordinal);
        if (!found.Keys.Order(StringComparer.Ordinal).SequenceEqual(JobTypes.All.Order(StringComparer.Ordinal)))
            throw new InvalidOperationException($"params schemas embedded for [{string.Join(", ", found.Keys.Order())}], "
                                                + $"job types are [{string.Join(", ", JobTypes.All.Order())}]");
        return found.ToDictionary(kv => kv.Key, kv => JobParamsSchema.Parse(kv.Key, Read(assembly, kv.Value)), StringComparer.Ordinal);
    }

    private static string Read(Assembly assembly, string resource)
    {
        using var stream = assembly.GetManifestResourceStream(resource)!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}

/// <summary>One job type's params schema: the published document, and its evaluator.</summary>
public sealed class JobParamsSchema
{
    private static readonly EvaluationOptions Evaluation = new()
    {
        OutputFormat = OutputFormat.List,
        // "format": "date" is an assertion here, as the workers' date parsing is: 2026-02-30 is refused.
        RequireFormatValidation = true,
    };

    private readonly JsonSchema _evaluator;

    private JobParamsSchema(string type, JsonElement document, JsonSchema evaluator)
    {
        Type = type;
        Document = document;
        _evaluator = evaluator;
    }

    public string Type { get; }

    /// <summary>The schema as committed (patterns in their ECMA-262 form): what the OpenAPI document publishes.</summary>
    public JsonElement Document { get; }

    public IEnumerable<string> PropertyNames => Document.GetProperty("properties").EnumerateObject().Select(p => p.Name);

    public static JobParamsSchema Parse(string type, string text)
    {
        using var published = JsonDocument.Parse(text);
        var forEngine = JsonNode.Parse(text)!;
        RestatePatterns(forEngine);
        var options = new BuildOptions { SchemaRegistry = new SchemaRegistry() };
        var evaluator = JsonSchema.FromText(forEngine.ToJsonString(), options, new Uri($"urn:nexus:params:{type}"));
        return new JobParamsSchema(type, published.RootElement.Clone(), evaluator);
    }

    /// <summary>Every problem of <paramref name="parameters"/>, each at <paramref name="path"/> plus its place in params.</summary>
    public List<FieldError> Check(JsonElement parameters, string path)
    {
        var results = _evaluator.Evaluate(parameters, Evaluation);
        return results.IsValid ? [] : SchemaErrors.From(results, this, parameters, path);
    }

    private static void RestatePatterns(JsonNode node)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (name, child) in obj.ToList())
                {
                    if (name == "pattern" && child is JsonValue value && value.TryGetValue<string>(out var pattern))
                        obj[name] = EcmaPattern.ToDotNet(pattern);
                    else if (child is not null) RestatePatterns(child);
                }
                break;
            case JsonArray array:
                foreach (var child in array)
                    if (child is not null) RestatePatterns(child);
                break;
        }
    }
}
