using System.Globalization;
using System.Text;

namespace Nexus.KubeApiServer.Cel;

/// <summary>
/// Parses the CEL subset (precedence as in the CEL spec: || then &amp;&amp; then relations then + -, unary ! -, member
/// access). Anything else (ternaries, * / %, maps, other functions and macros, other identifiers) is refused with
/// <see cref="CelUnsupportedException"/> naming the construct, so no rule is silently left unenforced.
/// </summary>
public sealed class CelParser
{
    static readonly HashSet<string> Variables = ["self", "oldSelf"];
    static readonly HashSet<string> GlobalFunctions = ["size", "string"];
    static readonly HashSet<string> MemberFunctions = ["size", "matches"];

    readonly List<string> _tokens;
    readonly HashSet<string> _bound = [];
    int _at;

    CelParser(List<string> tokens) => _tokens = tokens;

    public static CelExpr Parse(string rule)
    {
        var parser = new CelParser(Lex(rule));
        var expr = parser.Or();
        if (parser._at < parser._tokens.Count) throw new CelUnsupportedException($"unexpected '{parser._tokens[parser._at]}'");
        return expr;
    }

    string? Peek => _at < _tokens.Count ? _tokens[_at] : null;

    bool Accept(string token)
    {
        if (Peek != token) return false;
        _at++;
        return true;
    }

    void Expect(string token)
    {
        if (!Accept(token)) throw new CelUnsupportedException($"expected '{token}' but found '{Peek ?? "end of rule"}'");
    }

    CelExpr Or()
    {
        var left = And();
        while (Accept("||")) left = new CelBinary("||", left, And());
        if (Peek == "?") throw new CelUnsupportedException("the conditional operator ?:");
        return left;
    }

    CelExpr And()
    {
        var left = Relation();
        while (Accept("&&")) left = new CelBinary("&&", left, Relation());
        return left;
    }

    CelExpr Relation()
    {
        var left = Additive();
        while (Peek is "==" or "!=" or "<" or "<=" or ">" or ">=" or "in")
        {
            var op = _tokens[_at++];
            left = new CelBinary(op, left, Additive());
        }
        return left;
    }

    CelExpr Additive()
    {
        var left = Unary();
        while (Peek is "+" or "-")
        {
            var op = _tokens[_at++];
            left = new CelBinary(op, left, Unary());
        }
        if (Peek is "*" or "/" or "%") throw new CelUnsupportedException($"the operator {Peek}");
        return left;
    }

    CelExpr Unary()
    {
        if (Accept("!")) return new CelUnary("!", Unary());
        if (Accept("-")) return new CelUnary("-", Unary());
        return Member(Primary());
    }

    CelExpr Member(CelExpr expr)
    {
        while (true)
        {
            if (Accept("."))
            {
                var name = Identifier();
                if (Accept("("))
                {
                    if (name is "all" or "exists") expr = Comprehension(name, expr);
                    else if (MemberFunctions.Contains(name)) expr = new CelCall(name, expr, Arguments());
                    else throw new CelUnsupportedException($"the function {name}()");
                }
                else expr = new CelSelect(expr, name);
            }
            else if (Accept("["))
            {
                var key = Or();
                Expect("]");
                expr = new CelIndex(expr, key);
            }
            else return expr;
        }
    }

    CelExpr Comprehension(string macro, CelExpr range)
    {
        var variable = Identifier();
        if (Variables.Contains(variable)) throw new CelUnsupportedException($"{variable} as a macro variable");
        Expect(",");
        var added = _bound.Add(variable);
        var predicate = Or();
        if (added) _bound.Remove(variable);
        Expect(")");
        return new CelComprehension(macro, range, variable, predicate);
    }

    List<CelExpr> Arguments()
    {
        var args = new List<CelExpr>();
        if (Accept(")")) return args;
        do args.Add(Or()); while (Accept(","));
        Expect(")");
        return args;
    }

    CelExpr Primary()
    {
        var token = Peek ?? throw new CelUnsupportedException("an incomplete rule");
        _at++;
        if (token == "(")
        {
            var inner = Or();
            Expect(")");
            return inner;
        }
        if (token == "[")
        {
            var items = new List<CelExpr>();
            if (!Accept("]"))
            {
                do items.Add(Or()); while (Accept(","));
                Expect("]");
            }
            return new CelList(items);
        }
        if (token.StartsWith('\u0001')) return new CelLiteral(token[1..]);
        if (char.IsDigit(token[0]))
        {
            if (token.EndsWith('u')) throw new CelUnsupportedException("unsigned integer literals");
            return token.Contains('.') || token.Contains('e') || token.Contains('E')
                ? new CelLiteral(double.Parse(token, CultureInfo.InvariantCulture))
                : new CelLiteral(long.Parse(token, CultureInfo.InvariantCulture));
        }
        switch (token)
        {
            case "true": return new CelLiteral(true);
            case "false": return new CelLiteral(false);
            case "null": return new CelLiteral(null);
        }
        if (!IsIdentifier(token)) throw new CelUnsupportedException($"'{token}'");
        if (Accept("("))
        {
            if (token == "has")
            {
                var arg = Or();
                Expect(")");
                return arg is CelSelect select ? new CelHas(select) : throw new CelUnsupportedException("has() of anything but a field selection");
            }
            if (GlobalFunctions.Contains(token)) return new CelCall(token, null, Arguments());
            throw new CelUnsupportedException($"the function {token}()");
        }
        if (Variables.Contains(token) || _bound.Contains(token)) return new CelIdent(token);
        throw new CelUnsupportedException($"the identifier {token}");
    }

    string Identifier()
    {
        var token = Peek;
        if (token is null || !IsIdentifier(token)) throw new CelUnsupportedException($"expected a name but found '{token ?? "end of rule"}'");
        _at++;
        return token;
    }

    static bool IsIdentifier(string token) => (char.IsLetter(token[0]) || token[0] == '_') && token.All(c => char.IsLetterOrDigit(c) || c == '_');

    /// <summary>Tokens; a string literal is its unescaped text behind a \u0001 marker.</summary>
    static List<string> Lex(string text)
    {
        var tokens = new List<string>();
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (char.IsWhiteSpace(c)) { i++; continue; }
            if (c is '\'' or '"')
            {
                if (i + 2 < text.Length && text[i + 1] == c && text[i + 2] == c) throw new CelUnsupportedException("triple-quoted strings");
                var literal = new StringBuilder();
                i++;
                while (true)
                {
                    if (i >= text.Length) throw new CelUnsupportedException("an unterminated string literal");
                    var d = text[i++];
                    if (d == c) break;
                    if (d != '\\') { literal.Append(d); continue; }
                    if (i >= text.Length) throw new CelUnsupportedException("an unterminated string literal");
                    var e = text[i++];
                    literal.Append(e switch
                    {
                        '\\' or '\'' or '"' => e,
                        'n' => '\n',
                        't' => '\t',
                        _ => throw new CelUnsupportedException($"the string escape \\{e}"),
                    });
                }
                tokens.Add("\u0001" + literal);
                continue;
            }
            if (char.IsDigit(c))
            {
                var start = i;
                while (i < text.Length && (char.IsLetterOrDigit(text[i]) || text[i] == '.' && i + 1 < text.Length && char.IsDigit(text[i + 1]))) i++;
                tokens.Add(text[start..i]);
                continue;
            }
            if (char.IsLetter(c) || c == '_')
            {
                var start = i;
                while (i < text.Length && (char.IsLetterOrDigit(text[i]) || text[i] == '_')) i++;
                var word = text[start..i];
                if (i < text.Length && text[i] is '\'' or '"' && word is "r" or "R" or "b" or "B")
                    throw new CelUnsupportedException($"{word}-prefixed string literals");
                tokens.Add(word);
                continue;
            }
            var two = i + 1 < text.Length ? text.Substring(i, 2) : "";
            if (two is "||" or "&&" or "==" or "!=" or "<=" or ">=")
            {
                tokens.Add(two);
                i += 2;
                continue;
            }
            if ("!<>+-.,()[]?:*/%{}".Contains(c))
            {
                if (c is '{' or '}') throw new CelUnsupportedException("map and message literals");
                if (c == ':') throw new CelUnsupportedException("the conditional operator ?:");
                tokens.Add(c.ToString());
                i++;
                continue;
            }
            throw new CelUnsupportedException($"the character '{c}'");
        }
        return tokens;
    }

    /// <summary>Whether the expression names <c>oldSelf</c>: a transition rule, run only on updates.</summary>
    public static bool UsesOldSelf(CelExpr expr) => expr switch
    {
        CelIdent i => i.Name == "oldSelf",
        CelSelect s => UsesOldSelf(s.Operand),
        CelIndex x => UsesOldSelf(x.Operand) || UsesOldSelf(x.Key),
        CelHas h => UsesOldSelf(h.Field),
        CelList l => l.Items.Any(UsesOldSelf),
        CelUnary u => UsesOldSelf(u.Operand),
        CelBinary b => UsesOldSelf(b.Left) || UsesOldSelf(b.Right),
        CelCall c => (c.Target is not null && UsesOldSelf(c.Target)) || c.Args.Any(UsesOldSelf),
        CelComprehension m => UsesOldSelf(m.Range) || UsesOldSelf(m.Predicate),
        _ => false,
    };
}
