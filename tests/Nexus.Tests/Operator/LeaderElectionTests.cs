using Nexus.Tests.Support;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Nexus.Crds.Entities;
using Nexus.Operator.Control;
using Nexus.Shared;
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

    [Fact]
    public async Task A_crashed_leaders_lease_is_taken_over_once_it_expires_on_the_standbys_clock()
    {
        await using var c = await OperatorCluster.StartAsync(workers: 0);
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var t0 = time.GetUtcNow();
        var options = c.Options("op-standby") with
        {
            LeaseDuration = TimeSpan.FromSeconds(15), RenewDeadline = TimeSpan.FromSeconds(10), RetryPeriod = TimeSpan.FromSeconds(2),
        };
        // What a SIGKILLed leader leaves behind: a lease it holds and will never renew nor release.
        await c.Api.CreateAsync(ResourceKind.Lease.Collection(OperatorCluster.Ns), new V1Lease
        {
            ApiVersion = "coordination.k8s.io/v1",
            Kind = "Lease",
            Metadata = new V1ObjectMeta { Name = options.LeaseName, NamespaceProperty = OperatorCluster.Ns },
            Spec = new V1LeaseSpec
            {
                HolderIdentity = "op-crashed", LeaseDurationSeconds = 15, AcquireTime = t0.UtcDateTime, RenewTime = t0.UtcDateTime, LeaseTransitions = 0,
            },
        }, default);

        using var api = new KubeApi(c.Server.ClientConfiguration());
        var elector = new LeaderElector(api, options, time, NullLogger.Instance);
        DateTimeOffset? acquiredAt = null;
        elector.LeadershipChanged += leading => { if (leading) acquiredAt ??= time.GetUtcNow(); };
        using var stop = new CancellationTokenSource();
        var run = elector.RunAsync(ct => Task.Delay(Timeout.Infinite, ct), stop.Token);
        // The first look at the lease happens at t0, without the clock moving: expiry counts from then.
        await Wait.UntilAsync(() => elector.Rounds >= 1, "the standby's first look at the lease");
        Assert.False(elector.IsLeader);

        // Step the clock one retry period at a time, each step releasing one round of the standby.
        while (!elector.IsLeader)
        {
            Assert.True(time.GetUtcNow() - t0 < TimeSpan.FromSeconds(60), "the standby never took over the expired lease");
            var rounds = elector.Rounds;
            time.Advance(options.RetryPeriod);
            try
            {
                await Wait.UntilAsync(() => elector.Rounds > rounds, "the round this step released", TimeSpan.FromSeconds(2));
            }
            catch (TimeoutException)
            {
                // The standby had not started waiting yet when the clock moved: the next step releases it.
            }
            if (time.GetUtcNow() - t0 < options.LeaseDuration) Assert.False(elector.IsLeader, $"took over at {time.GetUtcNow() - t0} of a {options.LeaseDuration} lease");
        }
        var waited = acquiredAt!.Value - t0;
        Assert.InRange(waited, options.LeaseDuration, options.LeaseDuration + 2 * options.RetryPeriod);
        var lease = (await c.Api.GetAsync<V1Lease>(ResourceKind.Lease.Item(OperatorCluster.Ns, options.LeaseName), default))!;
        Assert.Equal("op-standby", lease.Spec.HolderIdentity);
        Assert.Equal(1, lease.Spec.LeaseTransitions);

        stop.Cancel();
        await run;
    }
}
