using System.Text.Json;
using k8s.Models;
using Nexus.Crds.Entities;

namespace Nexus.Tests.Crds;

public class BatchRulesTests
{
    private static AiJobBatch Batch(bool sequential, params AiJobBatchItem[] items) => new()
    {
        Metadata = new V1ObjectMeta { Name = "batch-b1", NamespaceProperty = "jobs", Uid = "uid-b1" },
        Spec = new AiJobBatchSpec { Tenant = "acme", Sequential = sequential, Jobs = [.. items] },
    };

    private static AiJobBatchItem Item(string? name = null) => new()
    {
        Type = JobTypes.CompetitorScan, Priority = Priorities.High, Name = name,
        Params = JsonDocument.Parse("""{"skus":["A"]}""").RootElement.Clone(),
    };

    private static AiJob Child(string name, string? phase) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Status = phase is null ? null : new AiJobStatus { Phase = phase },
    };

    [Fact]
    public void Children_are_named_by_the_item_else_by_batch_and_index()
    {
        var batch = Batch(false, Item("job-pre"), Item());
        Assert.Equal(["job-pre", "batch-b1-1"], BatchChildren.Names(batch));
    }

    [Fact]
    public void A_child_carries_labels_owner_dependency_timeout_retries_and_the_estimate()
    {
        var second = Item();
        second.TimeoutSeconds = 90;
        second.MaxRetries = 5;
        var batch = Batch(true, Item("job-first"), second);
        var estimate = new DateTimeOffset(2026, 3, 12, 14, 32, 31, 123, TimeSpan.Zero);

        var child = NewJob.BatchChild(batch, 1, estimate);

        Assert.Equal("batch-b1-1", child.Metadata.Name);
        Assert.Equal("jobs", child.Metadata.NamespaceProperty);
        Assert.Equal("batch-b1", child.Metadata.Labels[NexusGroup.BatchLabel]);
        Assert.Equal("acme", child.Metadata.Labels[NexusGroup.TenantLabel]);
        Assert.Equal(JobTypes.CompetitorScan, child.Metadata.Labels[NexusGroup.JobTypeLabel]);
        Assert.Equal(Priorities.High, child.Metadata.Labels[NexusGroup.PriorityLabel]);
        Assert.Equal("2026-03-12T14:32:31.123Z", child.Metadata.Annotations[JobAnnotations.EstimatedCompletionAt]);
        var owner = Assert.Single(child.Metadata.OwnerReferences);
        Assert.Equal(("batch-b1", "uid-b1", AiJobBatch.KindName, true), (owner.Name, owner.Uid, owner.Kind, owner.Controller == true));
        Assert.Equal(90, child.Spec.TimeoutSeconds);
        Assert.Equal(5, child.Spec.MaxRetries);
        Assert.Equal(["job-first"], child.Spec.DependsOn!);
        Assert.Equal(("batch-b1", 1), (child.Spec.Batch!.Name, child.Spec.Batch.Index));
        Assert.Equal("acme", child.Spec.Tenant);

        var first = NewJob.BatchChild(batch, 0, estimate);
        Assert.Null(first.Spec.DependsOn);
        Assert.Equal(new AiJobSpec().MaxRetries, first.Spec.MaxRetries);
        Assert.Null(first.Spec.TimeoutSeconds);
        Assert.Null(NewJob.BatchChild(Batch(false, Item(), Item()), 1, estimate).Spec.DependsOn);
    }

    [Theory]
    [InlineData(new[] { "Queued", "Queued" }, "Queued")]
    [InlineData(new[] { "Completed", "Queued" }, "Running")]
    [InlineData(new[] { "Running", "Queued" }, "Running")]
    [InlineData(new[] { "Completed", "Completed" }, "Completed")]
    [InlineData(new[] { "Completed", "Failed", "Cancelled" }, "Failed")]
    [InlineData(new[] { "Completed", "Cancelled" }, "Cancelled")]
    public void The_phase_aggregates_the_children(string[] phases, string expected)
    {
        Assert.Equal(expected, BatchAggregate.Of(phases, phases.Length).Phase);
    }

    [Fact]
    public void Children_not_created_yet_count_as_queued()
    {
        var (phase, counts) = BatchAggregate.Of([JobPhases.Completed], 3);
        Assert.Equal(JobPhases.Running, phase);
        Assert.Equal((3, 1, 2), (counts.Total, counts.Completed, counts.Queued));
        Assert.Equal(JobPhases.Queued, BatchAggregate.Of([], 0).Phase);
    }

    [Fact]
    public void A_child_deleted_after_it_was_recorded_keeps_its_recorded_phase()
    {
        var batch = Batch(false, Item(), Item(), Item());
        batch.Status = new AiJobBatchStatus
        {
            Jobs = [new AiJobBatchJobStatus { Name = "batch-b1-0", Index = 0, Phase = JobPhases.Completed }],
        };
        var live = new Dictionary<string, AiJob> { ["batch-b1-1"] = Child("batch-b1-1", JobPhases.Completed) };

        var children = BatchAggregate.Children(batch, n => live.GetValueOrDefault(n));

        // 0: deleted after it completed (recorded); 1: live; 2: not created yet.
        Assert.Equal([JobPhases.Completed, JobPhases.Completed, JobPhases.Queued], children.Select(c => c.Phase));
        Assert.Null(children[0].Job);
        Assert.True(BatchAggregate.WasRecorded(batch, "batch-b1-0"));
        Assert.False(BatchAggregate.WasRecorded(batch, "batch-b1-2"));
        var (phase, counts) = BatchAggregate.Of(children);
        Assert.Equal(JobPhases.Running, phase);
        Assert.Equal((3, 2, 1), (counts.Total, counts.Completed, counts.Queued));

        live["batch-b1-2"] = Child("batch-b1-2", JobPhases.Completed);
        Assert.Equal(JobPhases.Completed, BatchAggregate.Of(BatchAggregate.Children(batch, n => live.GetValueOrDefault(n))).Phase);
    }
}
