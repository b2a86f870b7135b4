using System.Text.Json.Nodes;
using Nexus.Crds.Entities;
using Nexus.Shared;
using Nexus.Tests.Operator.Support;
using Nexus.Tests.Support;

namespace Nexus.Tests.Operator;

public sealed class DependencyTests
{
    [Fact]
    public async Task A_job_whose_dependency_does_not_exist_ends_dependency_failed_at_once()
    {
        await using var c = await OperatorCluster.StartAsync();
        await c.CreatePoolAsync("pool");
        await c.StartLeaderAsync();
        var job = await c.CreateJobAsync(dependsOn: ["job-01jdoesnotexist000000000000"]);

        // The queue-time limit is 24 h: only the missing dependency can end it within the wait.
        var ended = await c.WaitForPhaseAsync(job.Metadata.Name, JobPhases.Cancelled, TimeSpan.FromSeconds(15));
        Assert.Equal("DEPENDENCY_FAILED", ended.Status!.Error!.Code);
        Assert.Contains("no longer exists", ended.Status.Error.Message);
        Assert.Equal(0, ended.Status.Attempts);
        Assert.Empty(c.Workers[0].Submissions);
    }

    [Fact]
    public async Task A_job_whose_dependency_is_deleted_while_it_waits_ends_dependency_failed()
    {
        await using var c = await OperatorCluster.StartAsync();
        c.Workers[0].Behave = (_, _, _) => new FakeBehaviour { Duration = TimeSpan.FromSeconds(30) };
        await c.CreatePoolAsync("pool", concurrency: 1);
        await c.StartLeaderAsync();
        var dependency = await c.CreateJobAsync();
        await c.WaitForPhaseAsync(dependency.Metadata.Name, JobPhases.Running);
        var job = await c.CreateJobAsync(dependsOn: [dependency.Metadata.Name]);
        await c.WaitForPhaseAsync(job.Metadata.Name, JobPhases.Queued);

        await c.Api.DeleteAsync(ResourceKind.AiJob.Item(OperatorCluster.Ns, dependency.Metadata.Name), null, default);

        var ended = await c.WaitForPhaseAsync(job.Metadata.Name, JobPhases.Cancelled, TimeSpan.FromSeconds(15));
        Assert.Equal("DEPENDENCY_FAILED", ended.Status!.Error!.Code);
        Assert.DoesNotContain(job.Metadata.Name, c.Workers[0].SubmittedIds);
    }

    [Fact]
    public async Task A_job_waits_for_a_dependency_that_exists_and_runs_once_it_completed()
    {
        await using var c = await OperatorCluster.StartAsync();
        c.Workers[0].Behave = (_, _, _) => new FakeBehaviour { Duration = TimeSpan.FromMilliseconds(500), Result = new JsonObject { ["ok"] = true } };
        await c.CreatePoolAsync("pool");
        await c.StartLeaderAsync();
        var dependency = await c.CreateJobAsync();
        var job = await c.CreateJobAsync(dependsOn: [dependency.Metadata.Name]);

        await c.WaitForPhaseAsync(job.Metadata.Name, JobPhases.Completed);
        Assert.Equal([dependency.Metadata.Name, job.Metadata.Name], c.Workers[0].SubmittedIds);
    }
}
