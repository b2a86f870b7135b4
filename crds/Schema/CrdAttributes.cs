namespace Nexus.Crds.Schema;

/// <summary>Short names and categories of a custom resource (kubectl get aij, kubectl get nexus).</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class CrdNamesAttribute(params string[] shortNames) : Attribute
{
    public string[] ShortNames { get; } = shortNames;
    public string[] Categories { get; init; } = [];
}

/// <summary>One additionalPrinterColumn of the CRD, in declaration order.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true)]
public sealed class PrinterColumnAttribute(int order, string name, string type, string jsonPath) : Attribute
{
    public int Order { get; } = order;
    public string Name { get; } = name;
    /// <summary>string, integer, number, boolean or date.</summary>
    public string Type { get; } = type;
    public string JsonPath { get; } = jsonPath;
    public string? Description { get; init; }
    /// <summary>0 shows by default; higher values only with -o wide.</summary>
    public int Priority { get; init; }
}

/// <summary>Marks a list whose items must be unique (x-kubernetes-list-type: set).</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class ListSetAttribute : Attribute;

/// <summary>Marks a list of objects keyed by one field (x-kubernetes-list-type: map).</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class ListMapAttribute(string key) : Attribute
{
    public string Key { get; } = key;
}

/// <summary>Caps the number of items of a list property (schema maxItems).</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class MaxItemsAttribute(int max) : Attribute
{
    public int Max { get; } = max;
}

/// <summary>Requires at least this many items (schema minItems).</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class MinItemsAttribute(int min) : Attribute
{
    public int Min { get; } = min;
}

/// <summary>Bounds a string map property: at most this many keys (schema maxProperties), each value at most this long.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class StringMapAttribute(int maxProperties, int valueMaxLength) : Attribute
{
    public int MaxProperties { get; } = maxProperties;
    public int ValueMaxLength { get; } = valueMaxLength;
}

/// <summary>
/// One CEL rule of the schema node (x-kubernetes-validations): on a class, the object's node; on a property, the
/// property's node. A rule that names <c>oldSelf</c> is a transition rule, run only on updates.
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Property, AllowMultiple = true)]
public sealed class XValidationAttribute(string rule, string message) : Attribute
{
    public string Rule { get; } = rule;
    public string Message { get; } = message;
    /// <summary>The field reported instead of the node's own path (relative JSON path, e.g. <c>.params</c>).</summary>
    public string? FieldPath { get; init; }
}

/// <summary>
/// The property may not change after creation (message "NAME is immutable"); an optional one may not be added or
/// removed either (a rule on the parent, as a rule on the property itself runs only when both versions have it).
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class ImmutableAttribute : Attribute;

/// <summary>
/// A job's params: the schema is the union of every job type's params schema (crds/params), and each type's own rules
/// are CEL rules on the parent object guarded by the sibling property that names the type.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class ParamsOfTypeAttribute(string typeProperty) : Attribute
{
    /// <summary>The JSON name of the sibling property holding the job type.</summary>
    public string TypeProperty { get; } = typeProperty;
}
