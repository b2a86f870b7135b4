using Nexus.Tests.Support;
using System.Text.Json.Nodes;
using k8s.Models;
using Nexus.Crds.Entities;
using Nexus.Shared;
using Nexus.Tests.Operator.Support;

namespace Nexus.Tests.Operator;

public sealed class BatchAndPoolTests
{
    private static AiJobBatch Batch(string name, bool sequential, params AiJobBatchItem[] items) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = OperatorCluster.Ns },
        Spec = new AiJobBatchSpec { Tenant = "acme", Sequential = sequential, Jobs = items.ToList() },
    };

    private static Task<AiJobBatch?> GetBatch(OperatorCluster c, string name) =>
        c.Api.GetAsync<AiJobBatch>(ResourceKind.AiJobBatch.Item(OperatorCluster.Ns, name), default);

    [Fact]
    public async Task A_sequential_batch_made_without_children_gets_them_and_runs_them_in_order()
    {
        await using var c = await OperatorCluster.StartAsync();
        c.Workers[0].Behave = (id, a, p) => new FakeBehaviour { Duration = TimeSpan.FromMilliseconds(100), Result = new JsonObject { ["ok"] = true } };
        await c.CreatePoolAsync("pool", concurrency: 8);
        await c.StartLeaderAsync();
        await c.Api.CreateAsync(ResourceKind.AiJobBatch.Collection(OperatorCluster.Ns), Batch("batch-seq", true,
            new AiJobBatchItem { Type = JobTypes.PricingRecalculate },
            new AiJobBatchItem { Type = JobTypes.ReviewSentiment, Priority = Priorities.High },
            new AiJobBatchItem { Type = JobTypes.ReturnClassify, Name = "named-child" }), default);

        var done = await Wait.ForAsync(async () => await GetBatch(c, "batch-seq") is { Status.Phase: JobPhases.Completed } b ? b : null, "batch completed");
        Assert.Equal(3, done.Status!.Counts!.Completed);
        Assert.Equal(["batch-seq-0", "batch-seq-1", "named-child"], c.Workers[0].SubmittedIds);
        var second = (await c.GetJobAsync("batch-seq-1"))!;
        Assert.Equal(["batch-seq-0"], second.Spec.DependsOn);
        Assert.Equal(new AiJobBatchRef { Name = "batch-seq", Index = 1 }.Name, second.Spec.Batch!.Name);
        Assert.Equal(1, second.Spec.Batch.Index);
        Assert.Equal("batch-seq", second.Metadata.Labels[NexusGroup.BatchLabel]);
        Assert.Equal(Priorities.High, second.Metadata.Labels[NexusGroup.PriorityLabel]);
        Assert.Equal(done.Metadata.Uid, second.Metadata.OwnerReferences.Single().Uid);
        Assert.All(done.Status.Jobs!, j => Assert.Equal(JobPhases.Completed, j.Phase));
    }

    [Fact]
    public async Task A_failed_dependency_cancels_its_dependents_with_dependency_failed()
    {
        await using var c = await OperatorCluster.StartAsync();
        c.Workers[0].Behave = (id, a, p) => new FakeBehaviour { Error = ("MODEL_ERROR", "cannot score", false) };
        await c.CreatePoolAsync("pool");
        await c.StartLeaderAsync();
        await c.Api.CreateAsync(ResourceKind.AiJobBatch.Collection(OperatorCluster.Ns), Batch("batch-fail", true,
            new AiJobBatchItem { Type = JobTypes.PricingRecalculate },
            new AiJobBatchItem { Type = JobTypes.PricingRecalculate },
            new AiJobBatchItem { Type = JobTypes.PricingRecalculate }), default);

        var b = await Wait.ForAsync(async () => await GetBatch(c, "batch-fail") is { Status.Phase: JobPhases.Failed } x ? x : null, "batch failed");
        Assert.Equal((1, 2), (b.Status!.Counts!.Failed, b.Status.Counts.Cancelled));
        var first = (await c.GetJobAsync("batch-fail-0"))!;
        Assert.Equal("MODEL_ERROR", first.Status!.Error!.Code);
        foreach (var name in new[] { "batch-fail-1", "batch-fail-2" })
        {
            var j = (await c.GetJobAsync(name))!;
            Assert.Equal(JobPhases.Cancelled, j.Status!.Phase);
            Assert.Equal("DEPENDENCY_FAILED", j.Status.Error!.Code);
        }
        Assert.Equal(["batch-fail-0"], c.Workers[0].SubmittedIds);
    }

    [Fact]
    public async Task A_child_created_by_the_gateway_is_not_duplicated()
    {
        await using var c = await OperatorCluster.StartAsync();
        await c.CreatePoolAsync("pool");
        var batch = await c.Api.CreateAsync(ResourceKind.AiJobBatch.Collection(OperatorCluster.Ns), Batch("batch-gw", false,
            new AiJobBatchItem { Type = JobTypes.PricingRecalculate, Name = "gw-child-0" },
            new AiJobBatchItem { Type = JobTypes.PricingRecalculate, Name = "gw-child-1" }), default);
        await c.CreateJobAsync(name: "gw-child-0");
        await c.StartLeaderAsync();
        await Wait.ForAsync(async () => await GetBatch(c, "batch-gw") is { Status.Phase: JobPhases.Completed } x ? x : null, "batch completed");
        Assert.Equal(2, c.Workers[0].Submissions.Count);
        Assert.Equal(["gw-child-0", "gw-child-1"], c.Workers[0].SubmittedIds.Order());
    }

    [Fact]
    public async Task Pools_discover_endpointslices_and_scale_their_deployment_with_demand()
    {
        await using var c = await OperatorCluster.StartAsync();
        var worker = c.Workers[0];
        worker.Ready = false;
        var port = new Uri(worker.Url).Port;
        await c.Api.CreateAsync(ResourceKind.Deployment.Collection(OperatorCluster.Ns), new V1Deployment
        {
            ApiVersion = "apps/v1", Kind = "Deployment",
            Metadata = new V1ObjectMeta { Name = "workers", NamespaceProperty = OperatorCluster.Ns },
            Spec = new V1DeploymentSpec
            {
                Replicas = 0,
                Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "w" } },
                Template = new V1PodTemplateSpec
                {
                    Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = "w" } },
                    Spec = new V1PodSpec { Containers = [new V1Container { Name = "w", Image = "w" }] },
                },
            },
        }, default);
        await c.Api.CreateAsync(ResourceKind.EndpointSlice.Collection(OperatorCluster.Ns), new V1EndpointSlice
        {
            ApiVersion = "discovery.k8s.io/v1", Kind = "EndpointSlice", AddressType = "IPv4",
            Metadata = new V1ObjectMeta { Name = "workers-abc", NamespaceProperty = OperatorCluster.Ns, Labels = new Dictionary<string, string> { ["kubernetes.io/service-name"] = "workers" } },
            Endpoints = [new V1Endpoint { Addresses = ["127.0.0.1"], Conditions = new V1EndpointConditions { Ready = true } }],
            Ports = [new Discoveryv1EndpointPort { Port = port, Name = "http" }],
        }, default);
        var pool = new WorkerPool
        {
            Metadata = new V1ObjectMeta { Name = "scaled", NamespaceProperty = OperatorCluster.Ns },
            Spec = new WorkerPoolSpec
            {
                JobTypes = [JobTypes.CompetitorScan], Deployment = new WorkerPoolObjectRef { Name = "workers" },
                Service = new WorkerPoolObjectRef { Name = "workers" }, Port = port,
                ConcurrencyPerReplica = 2, MinReplicas = 0, MaxReplicas = 3, ScaleDownDelaySeconds = 1,
            },
        };
        await c.Api.CreateAsync(ResourceKind.WorkerPool.Collection(OperatorCluster.Ns), pool, default);
        await c.StartLeaderAsync();
        var jobs = new List<string>();
        for (var i = 0; i < 5; i++) jobs.Add((await c.CreateJobAsync(type: JobTypes.CompetitorScan)).Metadata.Name);

        var scalePath = ResourceKind.Deployment.Item(OperatorCluster.Ns, "workers") + "/scale";
        await Wait.UntilAsync(async () => (await c.Api.GetAsync<V1Scale>(scalePath, default))!.Spec.Replicas == 3, "scaled up to max 3");
        var status = await Wait.ForAsync(async () =>
            (await c.Api.GetAsync<WorkerPool>(ResourceKind.WorkerPool.Item(OperatorCluster.Ns, "scaled"), default))?.Status is { DesiredReplicas: 3 } s ? s : null, "pool status desired 3");
        Assert.Equal(0, status.ReadyReplicas);

        worker.Ready = true;
        foreach (var j in jobs) await c.WaitForPhaseAsync(j, JobPhases.Completed);
        var ready = await Wait.ForAsync(async () =>
            (await c.Api.GetAsync<WorkerPool>(ResourceKind.WorkerPool.Item(OperatorCluster.Ns, "scaled"), default))?.Status is { ReadyReplicas: 1 } s ? s : null, "pool ready 1");
        Assert.Equal(2, ready.Capacity);
        Assert.Equal(worker.Url, ready.Instances!.Single().Url);
        // Demand gone: scaled to zero after the delay.
        await Wait.UntilAsync(async () => (await c.Api.GetAsync<V1Scale>(scalePath, default))!.Spec.Replicas == 0, "scaled down to 0");
        Assert.InRange(worker.MaxConcurrent, 1, 2);
    }
}
