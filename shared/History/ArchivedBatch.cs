using System.Text.Json.Serialization;
using Nexus.Crds.Entities;

namespace Nexus.Shared.History;

/// <summary>A finished batch: what it held, in order; its jobs are archived as <see cref="ArchivedJob"/> rows.</summary>
public sealed record ArchivedBatch
{
    /// <summary>The REST id: <c>batch_&lt;ULID&gt;</c>.</summary>
    public required string Id { get; init; }
    public required string Tenant { get; init; }
    public bool Sequential { get; init; }
    /// <summary>The aggregate phase (<see cref="JobPhases"/>).</summary>
    public required string Status { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset? CompletedAt { get; init; }
    public required IReadOnlyList<ArchivedBatchItem> Jobs { get; init; }

    /// <summary>
    /// The record of a finished AiJobBatch. <paramref name="childName"/> names the child AiJob of an index (the
    /// operator's BatchAggregate.ChildName).
    /// </summary>
    public static ArchivedBatch FromAiJobBatch(AiJobBatch batch, Func<AiJobBatch, int, string> childName)
    {
        var name = batch.Metadata.Name ?? throw new ArgumentException("the AiJobBatch has no name", nameof(batch));
        var phase = JobPhases.OrQueued(batch.Status?.Phase);
        if (!JobPhases.IsTerminal(phase)) throw new ArgumentException($"AiJobBatch {name} is {phase}: only finished batches are archived", nameof(batch));
        return new ArchivedBatch
        {
            Id = ResourceIds.BatchIdFromName(name),
            Tenant = batch.Spec.Tenant,
            Sequential = batch.Spec.Sequential,
            Status = phase,
            CreatedAt = JobTimes.CreatedAt(name, batch.Metadata.CreationTimestamp),
            CompletedAt = ArchivedJob.Utc(batch.Status?.CompletedAt),
            Jobs = batch.Spec.Jobs.Select((item, i) =>
                new ArchivedBatchItem(i, ResourceIds.JobIdFromName(childName(batch, i)), item.Type, item.Priority)).ToList(),
        };
    }
}

/// <summary>One job of a batch: its place, its REST id, and what it was.</summary>
public sealed record ArchivedBatchItem(
    [property: JsonPropertyName("index")] int Index,
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("priority")] string Priority);

/// <summary>An archived batch and those of its jobs that are archived, in batch order.</summary>
public sealed record ArchivedBatchWithJobs(ArchivedBatch Batch, IReadOnlyList<ArchivedJob> Jobs);
