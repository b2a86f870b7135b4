using System.Collections.Concurrent;
using System.Text.RegularExpressions;

namespace Nexus.KubeApiServer.Cel;

/// <summary>One compiled x-kubernetes-validations entry.</summary>
public sealed record CelRule(string Rule, CelExpr Expr, string? Message, CelExpr? MessageExpression, string? FieldPath, string? Reason)
{
    public bool IsTransition { get; } = CelParser.UsesOldSelf(Expr);
}

/// <summary>
/// The x-kubernetes-validations of a CRD schema: checked when the CRD is written (a rule outside the subset refuses the
/// CRD), and evaluated on every write of a custom resource as the apiextensions-apiserver does: at the node holding the
/// rule, with <c>self</c> the node's value; transition rules (<c>oldSelf</c>) only on updates and only where the old
/// object has the node too (correlated through object properties and map keys; list items are not correlated, as for
/// atomic lists). Null values run no rules.
/// </summary>
public static partial class CelRules
{
    static readonly ConcurrentDictionary<string, CelExpr> Compiled = new();
    static readonly HashSet<string> Reasons = ["FieldValueInvalid", "FieldValueForbidden", "FieldValueRequired", "FieldValueDuplicate"];

    /// <summary>Every problem of the schema's rules, at the rule's path in the CRD (empty when all are in the subset).</summary>
    public static List<StatusCause> Check(JsonObject schema, string path)
    {
        var problems = new List<StatusCause>();
        Walk(schema, path, problems);
        return problems;
    }

    static void Walk(JsonObject schema, string path, List<StatusCause> problems)
    {
        if (schema["x-kubernetes-validations"] is JsonArray rules)
            for (var i = 0; i < rules.Count; i++)
            {
                var rulePath = $"{path}.x-kubernetes-validations[{i}]";
                try
                {
                    Compile(rules[i] as JsonObject ?? throw new CelUnsupportedException("a rule that is not an object"));
                }
                catch (CelUnsupportedException e)
                {
                    var text = Json.Str(rules[i], "rule") ?? "";
                    problems.Add(new("FieldValueInvalid",
                        $"Invalid value: {Quoted(text)}: compilation failed: the stand-in's CEL subset does not support {e.Message}",
                        rulePath + ".rule"));
                }
            }
        if (schema["properties"] is JsonObject properties)
            foreach (var (name, child) in properties)
                if (child is JsonObject c) Walk(c, $"{path}.properties[{name}]", problems);
        if (schema["additionalProperties"] is JsonObject additional) Walk(additional, path + ".additionalProperties", problems);
        if (schema["items"] is JsonObject items) Walk(items, path + ".items", problems);
    }

    /// <summary>A value quoted as Go's %q does in the API server's messages.</summary>
    static string Quoted(string text) => "\"" + text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";

    static CelRule Compile(JsonObject rule)
    {
        var text = Json.Str(rule, "rule") ?? throw new CelUnsupportedException("a rule without rule text");
        var message = Json.Str(rule, "messageExpression") is { } m ? Parse(m) : null;
        var reason = Json.Str(rule, "reason");
        if (reason is not null && !Reasons.Contains(reason)) throw new CelUnsupportedException($"the reason {reason}");
        if (rule["optionalOldSelf"] is JsonValue o && o.TryGetValue<bool>(out var optional) && optional)
            throw new CelUnsupportedException("optionalOldSelf");
        return new CelRule(text, Parse(text), Json.Str(rule, "message"), message, Json.Str(rule, "fieldPath"), reason);
    }

    static CelExpr Parse(string text) => Compiled.GetOrAdd(text, CelParser.Parse);

    /// <summary>Every failed rule of <paramref name="obj"/> (old is the stored object on an update, else null).</summary>
    public static List<StatusCause> Validate(JsonObject obj, JsonObject? old, JsonObject schema)
    {
        var causes = new List<StatusCause>();
        foreach (var (key, value) in obj)
        {
            if (key is "metadata" or "apiVersion" or "kind") continue;
            if (schema["properties"]?[key] is JsonObject child)
                Node(value, old is not null && old.TryGetPropertyValue(key, out var o) ? (o, true) : (null, false), child, key, causes);
        }
        return causes;
    }

    static void Node(JsonNode? value, (JsonNode? Value, bool Exists) old, JsonObject schema, string path, List<StatusCause> causes)
    {
        if (value is null) return;
        if (schema["x-kubernetes-validations"] is JsonArray rules)
            foreach (var entry in rules.OfType<JsonObject>())
            {
                var rule = Compile(entry);
                if (rule.IsTransition && (!old.Exists || old.Value is null)) continue;
                if (Failure(rule, value, old.Value, Json.Str(schema, "type") ?? "object", path) is { } cause) causes.Add(cause);
            }
        switch (value)
        {
            case JsonObject o:
                var properties = schema["properties"] as JsonObject;
                var additional = schema["additionalProperties"] as JsonObject;
                foreach (var (key, child) in o)
                {
                    if ((properties?[key] as JsonObject ?? additional) is not { } childSchema) continue;
                    var oldChild = old.Value is JsonObject oo && oo.TryGetPropertyValue(key, out var oc) ? (oc, true) : (null, false);
                    Node(child, oldChild, childSchema, $"{path}.{key}", causes);
                }
                break;
            case JsonArray a when schema["items"] is JsonObject items:
                for (var i = 0; i < a.Count; i++) Node(a[i], (null, false), items, $"{path}[{i}]", causes);
                break;
        }
    }

    static StatusCause? Failure(CelRule rule, JsonNode value, JsonNode? old, string type, string path)
    {
        var vars = new Dictionary<string, object?> { ["self"] = CelEvaluator.FromJson(value), ["oldSelf"] = CelEvaluator.FromJson(old) };
        var field = rule.FieldPath is null ? path : path + FieldPath(rule.FieldPath);
        string detail;
        try
        {
            var result = CelEvaluator.Evaluate(rule.Expr, vars);
            if (result is true) return null;
            if (result is not false) detail = $"rule evaluation error: rule did not evaluate to a bool: {rule.Rule}";
            else detail = Message(rule, vars);
        }
        catch (CelEvaluationException e)
        {
            // As the apiextensions-apiserver words a runtime error (no such key, index out of bounds, ...): at the rule's
            // node (not its fieldPath), naming the rule by its message when it has one.
            detail = e.Message.StartsWith("no such overload", StringComparison.Ordinal)
                ? $"'{e.Message}': call arguments did not match a supported operator, function or macro signature for rule: {ErrorString(rule)}"
                : $"{e.Message} evaluating rule: {ErrorString(rule)}";
            return new("FieldValueInvalid", $"Invalid value: \"{type}\": {detail}", path);
        }
        return (rule.Reason ?? "FieldValueInvalid") switch
        {
            "FieldValueForbidden" => new("FieldValueForbidden", $"Forbidden: {detail}", field),
            "FieldValueRequired" => new("FieldValueRequired", $"Required value: {detail}", field),
            "FieldValueDuplicate" => new("FieldValueDuplicate", $"Duplicate value: {detail}", field),
            _ => new("FieldValueInvalid", $"Invalid value: \"{type}\": {detail}", field),
        };
    }

    static string ErrorString(CelRule rule) => rule.Message is { Length: > 0 } m ? m.Trim() : rule.Rule.Trim();

    /// <summary>messageExpression when it evaluates to a non-empty string, else message, else "failed rule: RULE".</summary>
    static string Message(CelRule rule, IReadOnlyDictionary<string, object?> vars)
    {
        if (rule.MessageExpression is not null)
        {
            try
            {
                if (CelEvaluator.Evaluate(rule.MessageExpression, vars) is string { Length: > 0 } text && !text.Contains('\n')) return text;
            }
            catch (CelEvaluationException)
            {
                // The API server falls back to the static message (or the rule) when messageExpression fails.
            }
        }
        return rule.Message ?? $"failed rule: {rule.Rule}";
    }

    /// <summary>A fieldPath (<c>.a.b</c>, <c>.a['b.c']</c>) as the cause's field suffix.</summary>
    static string FieldPath(string fieldPath) => Bracketed().Replace(fieldPath, m => "." + m.Groups[1].Value);

    [GeneratedRegex(@"\['([^']*)'\]")]
    private static partial Regex Bracketed();
}
