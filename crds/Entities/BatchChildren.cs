namespace Nexus.Crds.Entities;

/// <summary>The names of a batch's child AiJobs.</summary>
public static class BatchChildren
{
    /// <summary>The child of item <paramref name="index"/>: the item's pre-assigned name, else <c>batch-name-index</c>.</summary>
    public static string Name(AiJobBatch batch, int index) =>
        batch.Spec.Jobs[index].Name is { Length: > 0 } assigned ? assigned : $"{batch.Metadata.Name}-{index}";

    public static IEnumerable<string> Names(AiJobBatch batch) => Enumerable.Range(0, batch.Spec.Jobs.Count).Select(i => Name(batch, i));
}
