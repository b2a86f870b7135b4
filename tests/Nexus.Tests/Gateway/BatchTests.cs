using Microsoft.Extensions.DependencyInjection;
using k8s;
using Nexus.Crds.Entities;
using Nexus.Tests.Support;

namespace Nexus.Tests.Gateway;

public class BatchTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private GatewayHarness H => fixture.Harness;

    private static object SpecExample(bool sequential) => new
    {
        jobs = new object[]
        {
            new { type = "competitor_scan", @params = new { skus = new[] { "SKU-001" }, marketplace = "amazon_us" } },
            new { type = "pricing_recalculate", @params = new { skus = new[] { "SKU-001" }, marketplace = "amazon_us", apply = true } },
        },
        sequential,
    };

    [Fact]
    public async Task A_sequential_batch_creates_owned_children_that_depend_on_each_other()
    {
        var tenant = GatewayFixture.NewTenant();
        var key = await H.CreateKeyAsync(tenant);
        var response = await H.PostAsync("/api/ai-jobs/batch", key, SpecExample(sequential: true));
        Assert.Equal(202, response.Status);
        var batchId = response.Data.GetProperty("batch_id").GetString()!;
        Assert.Matches("^batch_[0-9A-Z]{26}$", batchId);
        var jobs = response.Data.GetProperty("jobs").EnumerateArray().ToList();
        Assert.Equal(["competitor_scan", "pricing_recalculate"], jobs.Select(j => j.GetProperty("type").GetString()));
        Assert.All(jobs, j => Assert.Equal("queued", j.GetProperty("status").GetString()));
        Assert.All(jobs, j => Assert.Matches("^job_[0-9A-Z]{26}$", j.GetProperty("id").GetString()!));

        Assert.True(ResourceIds.TryBatchNameFromId(batchId, out var batchName));
        var batch = await H.Client.CustomObjects.GetNamespacedCustomObjectAsync<AiJobBatch>(NexusGroup.Group, NexusGroup.Version,
            GatewayHarness.Namespace, AiJobBatch.Plural, batchName);
        Assert.True(batch.Spec.Sequential);
        Assert.Equal(tenant, batch.Spec.Tenant);
        var first = await H.ReadJobAsync(GatewayHarness.NameOf(jobs[0].GetProperty("id").GetString()!));
        var second = await H.ReadJobAsync(GatewayHarness.NameOf(jobs[1].GetProperty("id").GetString()!));
        Assert.Equal(batch.Spec.Jobs[0].Name, first.Metadata.Name);
        Assert.Equal(batch.Metadata.Uid, first.Metadata.OwnerReferences.Single().Uid);
        Assert.Equal("AiJobBatch", second.Metadata.OwnerReferences.Single().Kind);
        Assert.Equal(batchName, second.Metadata.Labels[NexusGroup.BatchLabel]);
        Assert.Equal(1, second.Spec.Batch!.Index);
        Assert.Null(first.Spec.DependsOn);
        Assert.Equal([first.Metadata.Name], second.Spec.DependsOn!);
        Assert.True(second.Spec.Params!.Value.GetProperty("apply").GetBoolean());

        // The batch route is not shadowed by the job route, and members are ordinary jobs too.
        var view = await H.GetAsync($"/api/ai-jobs/batch/{batchId}", key);
        Assert.Equal(200, view.Status);
        Assert.Equal("queued", view.Data.GetProperty("status").GetString());
        Assert.True(view.Data.GetProperty("sequential").GetBoolean());
        Assert.Equal(2, view.Data.GetProperty("counts").GetProperty("total").GetInt32());
        var member = await H.GetAsync($"/api/ai-jobs/{jobs[1].GetProperty("id").GetString()}", key);
        Assert.Equal(batchId, member.Data.GetProperty("batch_id").GetString());

        await H.WriteStatusAsync(first, new AiJobStatus { Phase = JobPhases.Completed, StartedAt = DateTime.UtcNow, CompletedAt = DateTime.UtcNow });
        await Wait.UntilAsync(async () =>
        {
            var data = (await H.GetAsync($"/api/ai-jobs/batch/{batchId}", key)).Data;
            return data.GetProperty("status").GetString() == "running" && data.GetProperty("counts").GetProperty("completed").GetInt32() == 1;
        }, "the batch aggregates one completed and one queued job as running");
    }

    [Fact]
    public async Task A_parallel_batch_has_no_dependencies_and_other_tenants_cannot_see_it()
    {
        var key = await H.CreateKeyAsync(GatewayFixture.NewTenant());
        var stranger = await H.CreateKeyAsync(GatewayFixture.NewTenant());
        var response = await H.PostAsync("/api/ai-jobs/batch", key, SpecExample(sequential: false));
        Assert.Equal(202, response.Status);
        foreach (var job in response.Data.GetProperty("jobs").EnumerateArray())
            Assert.Null((await H.ReadJobAsync(GatewayHarness.NameOf(job.GetProperty("id").GetString()!))).Spec.DependsOn);
        var batchId = response.Data.GetProperty("batch_id").GetString();
        var hidden = await H.GetAsync($"/api/ai-jobs/batch/{batchId}", stranger);
        Assert.Equal(404, hidden.Status);
        Assert.Equal("BATCH_NOT_FOUND", hidden.ErrorCode);
        Assert.Equal("BATCH_NOT_FOUND", (await H.GetAsync("/api/ai-jobs/batch/batch_01ARZ3NDEKTSV4RRFFQ69G5FAV", key)).ErrorCode);
    }

    [Fact]
    public async Task A_child_deleted_after_the_batch_recorded_it_keeps_its_recorded_phase_in_the_view()
    {
        var key = await H.CreateKeyAsync(GatewayFixture.NewTenant());
        var response = await H.PostAsync("/api/ai-jobs/batch", key, SpecExample(sequential: false));
        Assert.Equal(202, response.Status);
        var batchId = response.Data.GetProperty("batch_id").GetString()!;
        var firstId = response.Data.GetProperty("jobs")[0].GetProperty("id").GetString()!;
        var first = GatewayHarness.NameOf(firstId);
        Assert.True(ResourceIds.TryBatchNameFromId(batchId, out var batchName));

        // What the operator does: the child completes, the batch status records it; then the child is deleted.
        await H.WriteStatusAsync(await H.ReadJobAsync(first),
            new AiJobStatus { Phase = JobPhases.Completed, StartedAt = DateTime.UtcNow, CompletedAt = DateTime.UtcNow });
        var batch = await H.Client.CustomObjects.GetNamespacedCustomObjectAsync<AiJobBatch>(NexusGroup.Group, NexusGroup.Version,
            GatewayHarness.Namespace, AiJobBatch.Plural, batchName);
        batch.Status = new AiJobBatchStatus
        {
            Phase = JobPhases.Running,
            Jobs = [new AiJobBatchJobStatus { Name = first, Index = 0, Type = batch.Spec.Jobs[0].Type, Phase = JobPhases.Completed }],
        };
        await H.Client.CustomObjects.ReplaceNamespacedCustomObjectStatusAsync<AiJobBatch>(batch, NexusGroup.Group, NexusGroup.Version,
            GatewayHarness.Namespace, AiJobBatch.Plural, batchName);
        await H.DeleteAsOperatorAsync<AiJob>(AiJob.Plural, first);

        var jobs = H.Gateway.Services.GetRequiredService<Nexus.Gateway.Cache.JobCache>();
        var batches = H.Gateway.Services.GetRequiredService<Nexus.Gateway.Cache.BatchCache>();
        await Wait.UntilAsync(() => !jobs.TryGet(first, out _) && batches.Get(batchName)?.Status?.Jobs is { Count: 1 },
            "the deletion and the batch status reach the caches");
        var view = (await H.GetAsync($"/api/ai-jobs/batch/{batchId}", key)).Data;
        Assert.Equal("completed", view.GetProperty("jobs")[0].GetProperty("status").GetString());
        Assert.Equal(firstId, view.GetProperty("jobs")[0].GetProperty("id").GetString());
        Assert.Equal(1, view.GetProperty("counts").GetProperty("completed").GetInt32());
        Assert.Equal(1, view.GetProperty("counts").GetProperty("queued").GetInt32());
        Assert.Equal("running", view.GetProperty("status").GetString());
    }
}
