using Nexus.Tests.Support;
using Nexus.Crds.Entities;
using Nexus.Tests.Operator.Support;

namespace Nexus.Tests.Operator;

public sealed class LeaderElectionTests
{
    [Fact]
    public async Task Only_the_leader_claims_and_a_standby_takes_over_within_the_lease_duration()
    {
        await using var c = await OperatorCluster.StartAsync();
        await c.CreatePoolAsync("pool", concurrency: 8);
        var a = await c.StartOperatorAsync();
        var b = await c.StartOperatorAsync();
        await Wait.UntilAsync(() => a.IsLeader || b.IsLeader, "a leader");
        var leader = a.IsLeader ? a : b;
        var standby = a.IsLeader ? b : a;
        Assert.False(standby.IsLeader);
        Assert.Null(standby.Term);

        var jobs = new List<string>();
        for (var i = 0; i < 20; i++) jobs.Add((await c.CreateJobAsync()).Metadata.Name);
        foreach (var j in jobs) await c.WaitForPhaseAsync(j, JobPhases.Completed);
        // Exactly one submission per job: the standby never claimed.
        Assert.Equal(20, c.Workers[0].Submissions.Count);
        Assert.False(standby.IsLeader);

        var stopped = DateTime.UtcNow;
        await leader.StopAsync();
        await Wait.UntilAsync(() => standby.IsLeader, "standby to lead", TimeSpan.FromSeconds(10));
        Assert.True(DateTime.UtcNow - stopped < standby.Options.LeaseDuration + TimeSpan.FromSeconds(2));
        var after = await c.CreateJobAsync();
        await c.WaitForPhaseAsync(after.Metadata.Name, JobPhases.Completed);
    }

    [Fact]
    public async Task A_leader_that_cannot_renew_steps_down_before_the_lease_expires()
    {
        await using var c = await OperatorCluster.StartAsync();
        var a = await c.StartLeaderAsync();
        var b = await c.StartOperatorAsync();
        Assert.True(a.IsLeader);
        // The leader's renewals fail; the standby's take-over writes would too, until the faults end.
        c.Server.Faults.FailNext(1_000_000, 500, verb: "update", resource: "leases");
        await Wait.UntilAsync(() => !a.IsLeader, "leader to step down", TimeSpan.FromSeconds(10));
        Assert.False(b.IsLeader);
        c.Server.Faults.Clear();
        await Wait.UntilAsync(() => a.IsLeader ^ b.IsLeader, "exactly one leader again", TimeSpan.FromSeconds(10));
    }
}
