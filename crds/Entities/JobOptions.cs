using System.Text.RegularExpressions;

namespace Nexus.Crds.Entities;

/// <summary>
/// The bounds of a job's options as clients may set them (<c>max_retries</c>, <c>timeout_seconds</c>,
/// <c>metadata</c>): the gateway validates requests with them, the OpenAPI document and the CRD schema state them,
/// and the operator computes the default deadline from the same per-type numbers.
/// </summary>
public static partial class JobOptions
{
    /// <summary>Retries a client may ask for; the CRD allows more for operators and kubectl users.</summary>
    public const int MaxRetriesLimit = 5;

    /// <summary>Retries when none are asked for (the CRD's default of <c>spec.maxRetries</c>).</summary>
    public const int DefaultMaxRetries = 2;

    /// <summary>The default attempt deadline is this many times the type's longest typical duration.</summary>
    public const int DefaultTimeoutFactor = 2;

    /// <summary>A client's deadline may be at most this many times the type's longest typical duration.</summary>
    public const int MaxTimeoutFactor = 10;

    /// <summary>Deadline of a type the contract does not know (a kubectl-made job of a newer type).</summary>
    public const int UnknownTypeTimeoutSeconds = 600;

    /// <summary>The attempt deadline when the job sets none: twice the type's longest typical duration.</summary>
    public static int DefaultTimeoutSeconds(string type) =>
        JobTypes.TypicalSeconds.TryGetValue(type, out var t) ? t.Max * DefaultTimeoutFactor : UnknownTypeTimeoutSeconds;

    /// <summary>The longest deadline a client may give a job of this type: ten times its longest typical duration.</summary>
    public static int MaxTimeoutSeconds(string type) =>
        JobTypes.TypicalSeconds.TryGetValue(type, out var t) ? t.Max * MaxTimeoutFactor : UnknownTypeTimeoutSeconds;

    /// <summary>Keys a job's metadata may hold.</summary>
    public const int MetadataMaxKeys = 16;

    /// <summary>A metadata key: lowercase letters, digits and <c>_ . -</c>, 1-63 characters, alphanumeric at both ends.</summary>
    public const string MetadataKeyPattern = "^[a-z0-9]([a-z0-9_.-]{0,61}[a-z0-9])?$";

    public const int MetadataKeyMaxLength = 63;

    public const int MetadataValueMaxLength = 256;

    public static bool IsMetadataKey(string key) => MetadataKey().IsMatch(key);

    // .NET's $ also matches before a final newline; ECMA-262's (the documented pattern's dialect) does not: \z here.
    [GeneratedRegex("^[a-z0-9]([a-z0-9_.-]{0,61}[a-z0-9])?\\z", RegexOptions.CultureInvariant)]
    private static partial Regex MetadataKey();
}
