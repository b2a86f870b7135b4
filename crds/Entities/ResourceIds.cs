namespace Nexus.Crds.Entities;

/// <summary>
/// Maps REST ids onto object names and back: <c>job_01ARZ3NDEKTSV4RRFFQ69G5FAV</c> is the AiJob
/// <c>job-01arz3ndektsv4rrffq69g5fav</c>; batches likewise with <c>batch_</c> / <c>batch-</c>.
/// </summary>
public static class ResourceIds
{
    private const string JobIdPrefix = "job_";
    private const string JobNamePrefix = "job-";
    private const string BatchIdPrefix = "batch_";
    private const string BatchNamePrefix = "batch-";

    public static string NewJobName() => JobNamePrefix + Ulid.NewUlid().ToLowerInvariant();

    public static string NewBatchName() => BatchNamePrefix + Ulid.NewUlid().ToLowerInvariant();

    public static bool TryJobNameFromId(string? id, out string name) => TryNameFromId(id, JobIdPrefix, JobNamePrefix, out name);

    public static bool TryBatchNameFromId(string? id, out string name) => TryNameFromId(id, BatchIdPrefix, BatchNamePrefix, out name);

    /// <summary>The REST id of an AiJob name; names not made by <see cref="NewJobName"/> (kubectl-created jobs) are kept as they are.</summary>
    public static string JobIdFromName(string name) => IdFromName(name, JobNamePrefix, JobIdPrefix);

    public static string BatchIdFromName(string name) => IdFromName(name, BatchNamePrefix, BatchIdPrefix);

    private static bool TryNameFromId(string? id, string idPrefix, string namePrefix, out string name)
    {
        name = "";
        if (id is null || !id.StartsWith(idPrefix, StringComparison.Ordinal)) return false;
        var ulid = id.AsSpan(idPrefix.Length);
        if (!Ulid.IsValid(ulid)) return false;
        name = namePrefix + ulid.ToString().ToLowerInvariant();
        return true;
    }

    private static string IdFromName(string name, string namePrefix, string idPrefix)
    {
        if (!name.StartsWith(namePrefix, StringComparison.Ordinal)) return name;
        var ulid = name.AsSpan(namePrefix.Length);
        return Ulid.IsValid(ulid) ? idPrefix + ulid.ToString().ToUpperInvariant() : name;
    }
}
