using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Nexus.KubeApiServer.Cel;

/// <summary>
/// Evaluates a parsed rule over JSON values the way cel-go does for the subset: objects and maps are both
/// <see cref="JsonObject"/>s, a missing field is an error ("no such key"), <c>&amp;&amp;</c> and <c>||</c> absorb an
/// error on one side when the other side decides, ints and doubles compare by value, <c>size</c> counts code points.
/// </summary>
public static class CelEvaluator
{
    static readonly ConcurrentDictionary<string, Regex> Patterns = new();

    public static object? Evaluate(CelExpr expr, IReadOnlyDictionary<string, object?> variables) => Eval(expr, variables);

    /// <summary>The CEL value of a JSON value: null, bool, long, double, string, a list, or the object itself (a map).</summary>
    public static object? FromJson(JsonNode? node) => node switch
    {
        null => null,
        JsonObject o => o,
        JsonArray a => a.Select(FromJson).ToList(),
        JsonValue v => v.GetValueKind() switch
        {
            JsonValueKind.String => v.GetValue<string>(),
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            JsonValueKind.Number => long.TryParse(v.ToJsonString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l) ? (object)l : v.GetValue<double>(),
            _ => null,
        },
        _ => null,
    };

    static object? Eval(CelExpr expr, IReadOnlyDictionary<string, object?> vars)
    {
        switch (expr)
        {
            case CelLiteral l: return l.Value;
            case CelIdent i: return vars[i.Name];
            case CelList l: return l.Items.Select(x => Eval(x, vars)).ToList();
            case CelSelect s:
                return Eval(s.Operand, vars) is JsonObject o
                    ? o.TryGetPropertyValue(s.Field, out var v) ? FromJson(v) : throw new CelEvaluationException($"no such key: {s.Field}")
                    : throw new CelEvaluationException($"no such key: {s.Field}");
            case CelIndex x:
            {
                var operand = Eval(x.Operand, vars);
                var key = Eval(x.Key, vars);
                return (operand, key) switch
                {
                    (JsonObject map, string k) => map.TryGetPropertyValue(k, out var item) ? FromJson(item) : throw new CelEvaluationException($"no such key: {k}"),
                    (List<object?> list, long n) => n >= 0 && n < list.Count ? list[(int)n] : throw new CelEvaluationException($"index out of bounds: {n}"),
                    _ => throw NoOverload("_[_]", operand, key),
                };
            }
            case CelHas h:
                return Eval(h.Field.Operand, vars) is JsonObject parent
                    ? parent.ContainsKey(h.Field.Field)
                    : throw new CelEvaluationException("invalid type for field selection.");
            case CelUnary u:
            {
                var operand = Eval(u.Operand, vars);
                return (u.Op, operand) switch
                {
                    ("!", bool b) => !b,
                    ("-", long n) => -n,
                    ("-", double d) => -d,
                    _ => throw NoOverload(u.Op, operand),
                };
            }
            case CelBinary { Op: "&&" or "||" } b: return Logical(b, vars);
            case CelBinary b: return Binary(b.Op, Eval(b.Left, vars), Eval(b.Right, vars));
            case CelCall c: return Call(c, vars);
            case CelComprehension m: return Comprehension(m, vars);
            default: throw new CelEvaluationException($"unknown expression {expr}");
        }
    }

    /// <summary>CEL's commutative logic: a decisive side wins even when the other side errs.</summary>
    static object Logical(CelBinary b, IReadOnlyDictionary<string, object?> vars)
    {
        var decisive = b.Op == "||";
        Exception? error = null;
        foreach (var side in new[] { b.Left, b.Right })
        {
            try
            {
                var value = Eval(side, vars);
                if (value is not bool v) throw NoOverload(b.Op, value);
                if (v == decisive) return decisive;
            }
            catch (CelEvaluationException e)
            {
                error ??= e;
            }
        }
        if (error is not null) throw error;
        return !decisive;
    }

    static object Binary(string op, object? left, object? right)
    {
        switch (op)
        {
            case "==": return Equal(left, right);
            case "!=": return !Equal(left, right);
            case "in":
                return right switch
                {
                    List<object?> list => list.Any(item => Equal(left, item)),
                    JsonObject map when left is string key => map.ContainsKey(key),
                    _ => throw NoOverload("@in", left, right),
                };
            case "+":
                return (left, right) switch
                {
                    (string a, string b) => a + b,
                    (long a, long b) => checked(a + b),
                    (double a, double b) => a + b,
                    (List<object?> a, List<object?> b) => a.Concat(b).ToList(),
                    _ => throw NoOverload(op, left, right),
                };
            case "-":
                return (left, right) switch
                {
                    (long a, long b) => checked(a - b),
                    (double a, double b) => a - b,
                    _ => throw NoOverload(op, left, right),
                };
        }
        var order = (left, right) switch
        {
            (string a, string b) => string.CompareOrdinal(a, b),
            (bool a, bool b) => a.CompareTo(b),
            _ when Numeric(left) is { } a && Numeric(right) is { } b => a.CompareTo(b),
            _ => throw NoOverload(op, left, right),
        };
        return op switch
        {
            "<" => order < 0,
            "<=" => order <= 0,
            ">" => order > 0,
            ">=" => order >= 0,
            _ => throw new CelEvaluationException($"unknown operator {op}"),
        };
    }

    static double? Numeric(object? value) => value switch
    {
        long l => l,
        double d => d,
        _ => null,
    };

    static bool Equal(object? a, object? b)
    {
        if (Numeric(a) is { } x && Numeric(b) is { } y) return x == y;
        return (a, b) switch
        {
            (null, null) => true,
            (string s, string t) => s == t,
            (bool p, bool q) => p == q,
            (List<object?> l, List<object?> m) => l.Count == m.Count && l.Zip(m).All(pair => Equal(pair.First, pair.Second)),
            (JsonObject o, JsonObject p) => o.Count == p.Count && o.All(kv => p.TryGetPropertyValue(kv.Key, out var other) && Equal(FromJson(kv.Value), FromJson(other))),
            _ => false,
        };
    }

    static object Call(CelCall c, IReadOnlyDictionary<string, object?> vars)
    {
        var target = c.Target is null ? null : Eval(c.Target, vars);
        var args = c.Args.Select(a => Eval(a, vars)).ToList();
        switch (c.Function, c.Target is null, args.Count)
        {
            case ("size", true, 1): return Size(args[0]);
            case ("size", false, 0): return Size(target);
            case ("matches", false, 1) when target is string text && args[0] is string pattern:
                return Pattern(pattern).IsMatch(text);
            case ("string", true, 1):
                return args[0] switch
                {
                    string s => s,
                    long l => l.ToString(CultureInfo.InvariantCulture),
                    double d => d.ToString("R", CultureInfo.InvariantCulture),
                    bool b => b ? "true" : "false",
                    var other => throw NoOverload("string", other),
                };
            default: throw NoOverload(c.Function, [target, .. args]);
        }
    }

    static long Size(object? value) => value switch
    {
        string s => s.EnumerateRunes().Count(),
        List<object?> l => l.Count,
        JsonObject o => o.Count,
        _ => throw NoOverload("size", value),
    };

    static object Comprehension(CelComprehension m, IReadOnlyDictionary<string, object?> vars)
    {
        var range = Eval(m.Range, vars);
        IEnumerable<object?> items = range switch
        {
            List<object?> list => list,
            JsonObject map => map.Select(kv => (object?)kv.Key),
            _ => throw NoOverload(m.Macro, range),
        };
        var scope = new Dictionary<string, object?>(vars);
        var all = m.Macro == "all";
        Exception? error = null;
        foreach (var item in items)
        {
            scope[m.Variable] = item;
            try
            {
                var value = Eval(m.Predicate, scope);
                if (value is not bool b) throw NoOverload(m.Macro, value);
                if (b != all) return !all;
            }
            catch (CelEvaluationException e)
            {
                error ??= e;
            }
        }
        if (error is not null) throw error;
        return all;
    }

    /// <summary>
    /// RE2 semantics where they differ from .NET's here: <c>$</c> is the end of the text (.NET's also matches before a
    /// final newline), so an unescaped <c>$</c> outside a class becomes <c>\z</c>.
    /// </summary>
    static Regex Pattern(string re2) => Patterns.GetOrAdd(re2, p =>
    {
        var dotnet = new StringBuilder();
        var inClass = false;
        for (var i = 0; i < p.Length; i++)
        {
            var ch = p[i];
            if (ch == '\\' && i + 1 < p.Length)
            {
                dotnet.Append(ch).Append(p[++i]);
                continue;
            }
            if (ch == '[') inClass = true;
            else if (ch == ']') inClass = false;
            if (ch == '$' && !inClass) dotnet.Append("\\z");
            else dotnet.Append(ch);
        }
        return new Regex(dotnet.ToString(), RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
    });

    static CelEvaluationException NoOverload(string function, params object?[] args) =>
        new($"no such overload: {function}({string.Join(", ", args.Select(TypeName))})");

    static string TypeName(object? value) => value switch
    {
        null => "null_type",
        bool => "bool",
        long => "int",
        double => "double",
        string => "string",
        List<object?> => "list",
        JsonObject => "map",
        _ => value.GetType().Name,
    };
}
