using Nexus.Crds.Entities;
using Nexus.Gateway.Cache;
using Nexus.Gateway.Jobs;

namespace Nexus.Tests.Gateway;

public class JobIndexTests
{
    [Fact]
    public void Waiting_counts_follow_phase_changes_cancel_intent_and_deletes()
    {
        var store = new JobIndex();
        var a = GatewayFixtures.Job(tenant: "acme");
        var b = GatewayFixtures.Job(tenant: "acme");
        var c = GatewayFixtures.Job(tenant: "globex");
        foreach (var job in new[] { a, b, c }) store.Upsert(job);
        Assert.Equal(3, store.WaitingTotal);
        Assert.Equal(2, store.WaitingFor("acme"));

        a.Status = new AiJobStatus { Phase = JobPhases.Running };
        store.Upsert(a);
        Assert.Equal(1, store.WaitingFor("acme"));

        b.Spec.Cancel = true;
        store.Upsert(b);
        Assert.Equal(0, store.WaitingFor("acme"));

        store.Delete(c);
        Assert.Equal(0, store.WaitingTotal);
    }

    [Fact]
    public async Task NextChange_completes_when_the_job_changes()
    {
        var store = new JobIndex();
        var job = GatewayFixtures.Job();
        store.Upsert(job);
        var changed = store.NextChange(job.Metadata.Name);
        Assert.False(changed.IsCompleted);
        job.Status = new AiJobStatus { Phase = JobPhases.Completed };
        store.Upsert(job);
        await changed.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.True(changed.IsCompletedSuccessfully);
    }

    [Fact]
    public void The_queue_gate_counts_cached_and_in_flight_jobs_against_both_limits()
    {
        var store = new JobIndex();
        store.Upsert(GatewayFixtures.Job(tenant: "acme"));
        store.Upsert(GatewayFixtures.Job(tenant: "acme"));
        var gate = new QueueGate(store, maxQueued: 5, maxQueuedPerTenant: 3);

        var first = gate.TryReserve("acme", ["job-a1"]);
        Assert.NotNull(first);
        Assert.Null(gate.TryReserve("acme", ["job-a2"])); // 2 cached + 1 in flight = tenant limit
        Assert.NotNull(gate.TryReserve("globex", ["job-g1", "job-g2"])); // global now 5
        Assert.Null(gate.TryReserve("initech", ["job-i1"]));
        first!.Dispose();
        first.Dispose(); // releasing twice must not free twice
        Assert.NotNull(gate.TryReserve("acme", ["job-a3"]));
        Assert.Null(gate.TryReserve("initech", ["job-i2"]));
    }

    [Fact]
    public void A_job_the_cache_already_holds_is_not_counted_again_while_its_reservation_is_open()
    {
        var store = new JobIndex();
        var gate = new QueueGate(store, maxQueued: 10, maxQueuedPerTenant: 2);
        var first = GatewayFixtures.Job(tenant: "acme");
        using var reservation = gate.TryReserve("acme", [first.Metadata.Name]);
        Assert.NotNull(reservation);
        // The watch (or the create's answer) brings the job into the cache before the dispatch releases its place.
        store.Upsert(first);

        // One job exists, so a second fits the limit of 2; counting the first both cached and pending refused it.
        using var second = gate.TryReserve("acme", ["job-second"]);
        Assert.NotNull(second);
        Assert.Null(gate.TryReserve("acme", ["job-third"]));
    }
}
