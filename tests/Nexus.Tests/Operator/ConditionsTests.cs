using System.Text.Json.Nodes;
using k8s.Models;
using Nexus.Crds.Entities;
using Nexus.Shared;
using Nexus.Tests.Operator.Support;
using Nexus.Tests.Support;

namespace Nexus.Tests.Operator;

/// <summary>The conditions the real operator writes, as kubectl wait and kubectl describe read them.</summary>
public sealed class ConditionsTests
{
    private static V1Condition? Condition(IEnumerable<V1Condition>? conditions, string type) => conditions?.SingleOrDefault(c => c.Type == type);

    [Fact]
    public async Task Completed_failed_and_cancelled_jobs_carry_the_conditions_of_their_end()
    {
        await using var c = await OperatorCluster.StartAsync();
        c.Workers[0].Behave = (id, attempt, p) => p?.GetProperty("skus")[0].GetString() == "bad"
            ? new FakeBehaviour { Error = ("UPSTREAM_DOWN", "marketplace API timed out", false) }
            : new FakeBehaviour { Result = new JsonObject { ["ok"] = true } };
        await c.CreatePoolAsync("pool", types: [JobTypes.PricingRecalculate]);
        await c.StartLeaderAsync();
        var ok = await c.CreateJobAsync(parameters: new { skus = new[] { "good" } });
        var bad = await c.CreateJobAsync(parameters: new { skus = new[] { "bad" } });
        // No pool runs this type, so it stays queued until cancelled.
        var waiting = await c.CreateJobAsync(type: JobTypes.ReviewSentiment);
        await c.WaitForPhaseAsync(waiting.Metadata.Name, JobPhases.Queued);
        Assert.Null(Condition((await c.GetJobAsync(waiting.Metadata.Name))!.Status!.Conditions, Conditions.Finished));
        await c.CancelAsync(waiting.Metadata.Name);

        var completed = (await c.WaitForPhaseAsync(ok.Metadata.Name, JobPhases.Completed)).Status!.Conditions;
        Assert.Equal(("True", "Completed", "completed in attempt 1"), Fields(Condition(completed, Conditions.Complete)));
        Assert.Equal(("True", "Completed", "completed in attempt 1"), Fields(Condition(completed, Conditions.Finished)));
        Assert.Null(Condition(completed, Conditions.Failed));

        var failed = (await c.WaitForPhaseAsync(bad.Metadata.Name, JobPhases.Failed)).Status!.Conditions;
        Assert.Equal(("True", "UpstreamDown", "marketplace API timed out"), Fields(Condition(failed, Conditions.Failed)));
        Assert.Equal(("True", "UpstreamDown", "marketplace API timed out"), Fields(Condition(failed, Conditions.Finished)));
        Assert.Null(Condition(failed, Conditions.Complete));

        var cancelled = (await c.WaitForPhaseAsync(waiting.Metadata.Name, JobPhases.Cancelled)).Status!.Conditions;
        Assert.Equal(("True", "Cancelled", "cancelled while queued"), Fields(Condition(cancelled, Conditions.Finished)));
        Assert.Null(Condition(cancelled, Conditions.Complete));
        Assert.Null(Condition(cancelled, Conditions.Failed));
    }

    [Fact]
    public async Task A_pool_is_ready_while_an_instance_is_and_says_why_not_otherwise()
    {
        await using var c = await OperatorCluster.StartAsync();
        var worker = c.Workers[0];
        worker.Ready = false;
        await c.CreatePoolAsync("pool");
        await c.StartLeaderAsync();

        var notReady = await ReadyConditionAsync(c, "False");
        Assert.Equal(("False", "NoReadyReplica", "0 of 1 replicas ready"), Fields(notReady));

        worker.Ready = true;
        var ready = await ReadyConditionAsync(c, "True");
        Assert.Equal(("True", "ReplicasReady", "1 of 1 replicas ready"), Fields(ready));
        Assert.True(ready.LastTransitionTime >= notReady.LastTransitionTime);
    }

    private static async Task<V1Condition> ReadyConditionAsync(OperatorCluster c, string status) =>
        await Wait.ForAsync(async () =>
        {
            var pool = await c.Api.GetAsync<WorkerPool>(ResourceKind.WorkerPool.Item(OperatorCluster.Ns, "pool"), default);
            return Condition(pool?.Status?.Conditions, Conditions.Ready) is { } ready && ready.Status == status ? ready : null;
        }, $"pool Ready={status}");

    private static (string, string, string) Fields(V1Condition? condition)
    {
        Assert.NotNull(condition);
        return (condition.Status, condition.Reason, condition.Message);
    }
}
