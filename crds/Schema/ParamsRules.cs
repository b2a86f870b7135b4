using System.Text.Json.Nodes;
using Nexus.Crds.Entities;

namespace Nexus.Crds.Schema;

/// <summary>
/// The CRD's form of the per-type params JSON Schemas (crds/params, generated from the workers' models, the ones the
/// gateway validates with). A CRD has one structural schema for params whatever the type, so:
/// <list type="bullet">
/// <item>params is the union of every type's properties, with the bounds (maxLength, maxItems) that keep the CEL
/// cost bounded (the largest of the types);</item>
/// <item>a rule every type that has the property agrees on is a CEL rule on the property's node (or its items);</item>
/// <item>a rule only some types have, and "unknown parameter for T" for a property type T lacks, is a CEL rule on
/// the object holding type and params (an AiJob's spec, each job of an AiJobBatch's spec.jobs) guarded by
/// <c>self.type != 'T'</c>, with fieldPath naming the property.</item>
/// </list>
/// Every message is the gateway's text for the same violation (<see cref="ParamsMessages"/>, which the gateway's
/// SchemaErrors uses too), so kubectl and the REST API say the same; <c>format: date</c> is a regex of the calendar
/// (<see cref="CalendarDate"/>). Not expressed as the gateway words it: a parameter name no job type has is an
/// unknown field (params does not preserve unknown fields), so the API server refuses it as
/// <c>unknown field "spec.params.x"</c> under fieldValidation=Strict (kubectl's default) and prunes it otherwise; the
/// API server words type mismatches and its own maxLength/maxItems itself. The one name params keeps beyond the job
/// types' is the workers' test hook <see cref="SimulationKey"/>, which the gateway refuses over REST.
/// </summary>
public static class ParamsRules
{
    private const string ResourcePrefix = "Nexus.Crds.Params.";
    private const string ResourceSuffix = ".schema.json";

    /// <summary>The workers' test-only params key (workers/nexus_worker/simulation.py), declared so it is not pruned.</summary>
    public const string SimulationKey = "_simulate";

    /// <summary>
    /// <c>format: date</c> as RE2 can say it: YYYY-MM-DD of a day that exists (year 0001-9999, the month's length,
    /// February 29 in leap years only), what the gateway's format check and the workers' date parsing accept. A regex
    /// and not <c>timestamp()</c>: CEL's timestamp() of a day that does not exist is an evaluation error, which the
    /// API server reports in its own words instead of the rule's message.
    /// </summary>
    public const string CalendarDate =
        "^(?:(?:[0-9]{3}[1-9]|[0-9]{2}[1-9]0|[0-9][1-9]00|[1-9]000)-(?:(?:0[1-9]|1[0-2])-(?:0[1-9]|1[0-9]|2[0-8])"
        + "|(?:0[13-9]|1[0-2])-(?:29|30)|(?:0[13578]|1[02])-31)"
        + "|(?:[0-9]{2}(?:0[48]|[2468][048]|[13579][26])|(?:0[48]|[2468][048]|[13579][26])00)-02-29)$";

    /// <summary>A CEL rule over a subject expression (<c>self</c> on the node, <c>self.params.x</c> on spec).</summary>
    private sealed record Rule(Func<string, string> Text, string? Message, Func<string, string>? MessageExpression)
    {
        public string Key => Text("self") + "\u0000" + Message + "\u0000" + MessageExpression?.Invoke("self");

        public JsonObject Json(string subject, string? fieldPath = null, string? guard = null)
        {
            var json = new JsonObject { ["rule"] = guard is null ? Text(subject) : $"{guard} || ({Text(subject)})" };
            if (Message is not null) json["message"] = Message;
            if (MessageExpression is not null) json["messageExpression"] = MessageExpression(subject);
            if (fieldPath is not null) json["fieldPath"] = fieldPath;
            return json;
        }
    }

    /// <summary>Every job type's params schema, in the order of <see cref="JobTypes.All"/>.</summary>
    public static IReadOnlyList<(string Type, JsonObject Schema)> Schemas { get; } = Load();

    /// <summary>The params property's schema, and the rules its parent (spec) carries.</summary>
    public static (JsonObject Schema, List<JsonObject> ParentRules) Build(string typeField, string paramsField, string? description)
    {
        var names = Schemas.SelectMany(s => Properties(s.Schema).Select(p => p.Key)).Distinct().ToList();
        var properties = new JsonObject();
        var parentRules = new List<JsonObject>();
        foreach (var name in names)
        {
            var having = Schemas.Where(s => Properties(s.Schema).ContainsKey(name))
                .Select(s => (s.Type, Schema: (JsonObject)Properties(s.Schema)[name]!)).ToList();
            var (node, rulesByType) = Property(name, having);
            var common = rulesByType.Values.Select(r => r.Select(x => x.Key).ToHashSet())
                .Aggregate((a, b) => { a.IntersectWith(b); return a; });
            var nodeRules = rulesByType.Values.First().Where(r => common.Contains(r.Key)).Select(r => (JsonNode)r.Json("self")).ToArray();
            if (nodeRules.Length > 0) node["x-kubernetes-validations"] = new JsonArray(nodeRules);
            properties[name] = node;
            foreach (var (type, rules) in rulesByType)
                foreach (var rule in rules.Where(r => !common.Contains(r.Key)))
                    parentRules.Add(rule.Json($"self.{paramsField}.{name}", $".{paramsField}.{name}",
                        $"{Guard(typeField, paramsField, type)} || !has(self.{paramsField}.{name})"));
        }
        foreach (var (type, schema) in Schemas)
        {
            var own = Properties(schema).Select(p => p.Key).ToList();
            foreach (var name in names.Where(n => !own.Contains(n)))
                parentRules.Add(new JsonObject
                {
                    ["rule"] = $"{Guard(typeField, paramsField, type)} || !has(self.{paramsField}.{name})",
                    ["message"] = ParamsMessages.UnknownParameter(type, own),
                    ["fieldPath"] = $".{paramsField}.{name}",
                });
        }
        var result = new JsonObject { ["type"] = "object" };
        if (description is not null) result.Insert(0, "description", description);
        properties[SimulationKey] = new JsonObject
        {
            ["description"] = "Test hook, not a job parameter: the workers refuse it unless they run with "
                              + "WORKER_ALLOW_SIMULATION=1, and the REST API never accepts it.",
            ["type"] = "object",
            ["x-kubernetes-preserve-unknown-fields"] = true,
        };
        result["properties"] = properties;
        // No x-kubernetes-preserve-unknown-fields: a name no job type declares is an unknown field, which the API server
        // refuses under fieldValidation=Strict (kubectl's default) and prunes otherwise.
        return (result, parentRules);
    }

    private static string Guard(string typeField, string paramsField, string type) =>
        $"self.{typeField} != '{type}' || !has(self.{paramsField})";

    /// <summary>The structural node of one params property (as the types having it agree), and each type's rules.</summary>
    private static (JsonObject Node, Dictionary<string, List<Rule>> RulesByType) Property(string name, List<(string Type, JsonObject Schema)> having)
    {
        var node = Structural(name, having.Select(h => h.Schema).ToList());
        var rules = having.ToDictionary(h => h.Type, h => Rules(h.Schema));
        var itemSchemas = having.Select(h => h.Schema["items"] as JsonObject).ToList();
        if (itemSchemas.All(i => i is not null))
        {
            var itemRules = itemSchemas.Select(i => Rules(i!)).ToList();
            var first = itemRules[0].Select(r => r.Key).ToList();
            if (itemRules.Any(r => !r.Select(x => x.Key).SequenceEqual(first)))
                throw new NotSupportedException($"params.{name}: the job types' item rules differ; a per-type item rule cannot be expressed yet");
            var items = Structural(name + "[]", itemSchemas!);
            if (itemRules[0].Count > 0) items["x-kubernetes-validations"] = new JsonArray(itemRules[0].Select(r => (JsonNode)r.Json("self")).ToArray());
            node["items"] = items;
        }
        return (node, rules);
    }

    private static JsonObject Structural(string name, List<JsonObject> schemas)
    {
        var types = schemas.Select(NonNullType).Distinct().ToList();
        if (types.Count != 1) throw new NotSupportedException($"params.{name}: the job types disagree on its type ({string.Join(", ", types)})");
        var node = new JsonObject();
        var descriptions = schemas.Select(s => (string?)s["description"]).Distinct().ToList();
        if (descriptions is [{ } description]) node["description"] = description;
        node["type"] = types[0];
        if (types[0] == "integer" && schemas.All(s => (string?)s["format"] == "int32")) node["format"] = "int32";
        if (Largest(schemas, "maxLength") is { } maxLength) node["maxLength"] = maxLength;
        if (Largest(schemas, "maxItems") is { } maxItems) node["maxItems"] = maxItems;
        if (types[0] == "array" && node["maxItems"] is null)
            throw new NotSupportedException($"params.{name}: an array needs maxItems to bound the CEL cost");
        if (types[0] == "string" && node["maxLength"] is null && schemas.Any(s => s["pattern"] is not null))
            throw new NotSupportedException($"params.{name}: a pattern needs maxLength to bound the CEL cost");
        return node;
    }

    private static long? Largest(List<JsonObject> schemas, string keyword) =>
        schemas.All(s => s[keyword] is not null) ? schemas.Max(s => (long)s[keyword]!) : null;

    private static string NonNullType(JsonObject schema) => schema["type"] switch
    {
        JsonArray types => types.Select(t => (string)t!).Single(t => t != "null"),
        var type => (string)type!,
    };

    /// <summary>The schema's own keywords as CEL rules with the gateway's messages (items are their own node).</summary>
    private static List<Rule> Rules(JsonObject schema)
    {
        var type = NonNullType(schema);
        var rules = new List<Rule>();
        foreach (var (keyword, value) in schema)
        {
            var raw = value?.ToJsonString() ?? "";
            switch (type, keyword)
            {
                case ("integer" or "number", "minimum"):
                    rules.Add(new(s => $"{s} >= {Number(type, raw)}", ParamsMessages.Bound(keyword, raw), null));
                    break;
                case ("integer" or "number", "maximum"):
                    rules.Add(new(s => $"{s} <= {Number(type, raw)}", ParamsMessages.Bound(keyword, raw), null));
                    break;
                case ("integer" or "number", "exclusiveMinimum"):
                    rules.Add(new(s => $"{s} > {Number(type, raw)}", ParamsMessages.Bound(keyword, raw), null));
                    break;
                case ("integer" or "number", "exclusiveMaximum"):
                    rules.Add(new(s => $"{s} < {Number(type, raw)}", ParamsMessages.Bound(keyword, raw), null));
                    break;
                case ("string", "minLength"):
                    rules.Add(new(s => $"size({s}) >= {raw}", ParamsMessages.Bound(keyword, raw), null));
                    break;
                case ("string", "maxLength"):
                    rules.Add(new(s => $"size({s}) <= {raw}", ParamsMessages.Bound(keyword, raw), null));
                    break;
                case ("string", "pattern"):
                    var pattern = (string)value!;
                    rules.Add(new(s => $"{s}.matches({Quote(pattern)})", ParamsMessages.Pattern(pattern), null));
                    break;
                case ("string", "format") when (string?)value == "date":
                    rules.Add(new(s => $"{s}.matches({Quote(CalendarDate)})", ParamsMessages.CalendarDate, null));
                    break;
                case ("string", "enum"):
                    var allowed = ((JsonArray)value!).Select(v => (string)v!).ToList();
                    rules.Add(new(s => $"{s} in [{string.Join(", ", allowed.Select(Quote))}]", ParamsMessages.OneOf(allowed), null));
                    break;
                case ("array", "minItems"):
                    rules.Add(new(s => $"size({s}) >= {raw}", ParamsMessages.Bound(keyword, raw), null));
                    break;
                case ("array", "maxItems"):
                    rules.Add(new(s => $"size({s}) <= {raw}", null, s => $"{Quote(ParamsMessages.MaxItemsBeforeCount(raw))} + string(size({s}))"));
                    break;
                case (_, "type" or "description" or "default" or "items" or "title"):
                case ("integer", "format") when (string?)value is "int32" or "int64":
                    // type: the structural schema; format: int32 is structural (date is a rule above, other formats refused below).
                    break;
                default:
                    throw new NotSupportedException($"params keyword {keyword} on a {type} has no CRD form yet");
            }
        }
        return rules;
    }

    /// <summary>A CEL literal of the schema's type: a number schema's bound is a double (CEL does not mix them).</summary>
    private static string Number(string type, string raw) =>
        type == "number" && !raw.Contains('.', StringComparison.Ordinal) && !raw.Contains('e', StringComparison.OrdinalIgnoreCase) ? raw + ".0" : raw;

    private static string Quote(string text) => "'" + text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal) + "'";

    private static JsonObject Properties(JsonObject schema) => (JsonObject)schema["properties"]!;

    private static List<(string, JsonObject)> Load()
    {
        var assembly = typeof(ParamsRules).Assembly;
        var result = new List<(string, JsonObject)>();
        foreach (var type in JobTypes.All)
        {
            using var stream = assembly.GetManifestResourceStream(ResourcePrefix + type + ResourceSuffix)
                               ?? throw new InvalidOperationException($"no params schema embedded for {type}");
            var schema = (JsonObject)JsonNode.Parse(stream)!;
            if (schema["additionalProperties"] is not JsonValue additional || additional.GetValue<bool>())
                throw new NotSupportedException($"{type} params allow unknown properties; the CRD refuses them");
            result.Add((type, schema));
        }
        return result;
    }
}
