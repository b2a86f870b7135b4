namespace Nexus.KubeApiServer.Cel;

/// <summary>An expression of the CEL subset this stand-in evaluates (README: "CEL validation rules").</summary>
public abstract record CelExpr;

public sealed record CelLiteral(object? Value) : CelExpr;

/// <summary><c>self</c>, <c>oldSelf</c>, or a macro's iteration variable.</summary>
public sealed record CelIdent(string Name) : CelExpr;

public sealed record CelSelect(CelExpr Operand, string Field) : CelExpr;

public sealed record CelIndex(CelExpr Operand, CelExpr Key) : CelExpr;

/// <summary><c>has(a.b)</c>: whether the object or map <c>a</c> has the field <c>b</c>.</summary>
public sealed record CelHas(CelSelect Field) : CelExpr;

public sealed record CelList(IReadOnlyList<CelExpr> Items) : CelExpr;

public sealed record CelUnary(string Op, CelExpr Operand) : CelExpr;

public sealed record CelBinary(string Op, CelExpr Left, CelExpr Right) : CelExpr;

/// <summary>A function call: global (<c>size(x)</c>, <c>string(x)</c>) when Target is null, else a member call (<c>x.matches(p)</c>).</summary>
public sealed record CelCall(string Function, CelExpr? Target, IReadOnlyList<CelExpr> Args) : CelExpr;

/// <summary><c>x.all(v, p)</c> or <c>x.exists(v, p)</c> over a list's items or a map's keys.</summary>
public sealed record CelComprehension(string Macro, CelExpr Range, string Variable, CelExpr Predicate) : CelExpr;

/// <summary>A rule uses something outside the subset: the CRD carrying it is refused.</summary>
public sealed class CelUnsupportedException(string message) : Exception(message);

/// <summary>A rule's evaluation failed (no such key, no matching overload), as cel-go reports it.</summary>
public sealed class CelEvaluationException(string message) : Exception(message);
