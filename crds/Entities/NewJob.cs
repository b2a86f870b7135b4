using System.Text.Json;
using k8s.Models;

namespace Nexus.Crds.Entities;

/// <summary>
/// Builds the AiJob objects a request creates, whoever creates them: the gateway for a dispatch, the gateway or the
/// operator for a batch's child (the operator creates any child the gateway did not, under the same name, so both
/// must build the same object).
/// </summary>
public static class NewJob
{
    /// <summary>A job with its labels and the completion estimate given at dispatch.</summary>
    public static AiJob Build(string name, string tenant, string type, string priority, JsonElement? parameters,
        DateTimeOffset estimatedCompletionAt)
    {
        return new AiJob
        {
            Metadata = new V1ObjectMeta
            {
                Name = name,
                Labels = new Dictionary<string, string>
                {
                    [NexusGroup.TenantLabel] = tenant,
                    [NexusGroup.JobTypeLabel] = type,
                    [NexusGroup.PriorityLabel] = priority,
                },
                Annotations = new Dictionary<string, string>
                {
                    [JobAnnotations.EstimatedCompletionAt] = JobTimes.Format(estimatedCompletionAt),
                },
                // Held from creation until the finished record is archived: no extra write to add it later.
                Finalizers = [NexusGroup.ArchiveFinalizer],
            },
            Spec = new AiJobSpec { Type = type, Tenant = tenant, Priority = priority, Params = parameters },
        };
    }

    /// <summary>
    /// Child <paramref name="index"/> of a batch: named by <see cref="BatchChildren.Name"/>, labelled with and owned by
    /// the batch, the item's timeout and retry budget, and in a sequential batch dependent on the previous child.
    /// </summary>
    public static AiJob BatchChild(AiJobBatch batch, int index, DateTimeOffset estimatedCompletionAt)
    {
        var item = batch.Spec.Jobs[index];
        var child = Build(BatchChildren.Name(batch, index), batch.Spec.Tenant, item.Type, item.Priority, item.Params, estimatedCompletionAt);
        child.Metadata.NamespaceProperty = batch.Metadata.NamespaceProperty;
        child.Metadata.Labels[NexusGroup.BatchLabel] = batch.Metadata.Name;
        child.Metadata.OwnerReferences =
        [
            new V1OwnerReference
            {
                ApiVersion = NexusGroup.ApiVersion, Kind = AiJobBatch.KindName, Name = batch.Metadata.Name,
                Uid = batch.Metadata.Uid, Controller = true, BlockOwnerDeletion = true,
            },
        ];
        child.Spec.TimeoutSeconds = item.TimeoutSeconds;
        if (item.MaxRetries is { } retries) child.Spec.MaxRetries = retries;
        child.Spec.Metadata = item.Metadata is { Count: > 0 } metadata ? new Dictionary<string, string>(metadata) : null;
        child.Spec.Batch = new AiJobBatchRef { Name = batch.Metadata.Name, Index = index };
        child.Spec.DependsOn = batch.Spec.Sequential && index > 0 ? [BatchChildren.Name(batch, index - 1)] : null;
        return child;
    }
}
