using Microsoft.Extensions.DependencyInjection;
using k8s;
using k8s.Autorest;
using Nexus.Crds.Entities;
using Nexus.Tests.Support;

namespace Nexus.Tests.Gateway;

public class CancelTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private GatewayHarness H => fixture.Harness;

    [Fact]
    public async Task Cancel_sets_spec_cancel_on_a_queued_job_and_is_idempotent()
    {
        var key = await H.CreateKeyAsync(GatewayFixture.NewTenant());
        var id = await H.DispatchAsync(key);
        var response = await H.DeleteAsync($"/api/ai-jobs/{id}", key);
        Assert.Equal(204, response.Status);
        Assert.Equal("", response.Text);
        Assert.True((await H.ReadJobAsync(GatewayHarness.NameOf(id))).Spec.Cancel);
        Assert.Equal(204, (await H.DeleteAsync($"/api/ai-jobs/{id}", key)).Status);

        var job = await H.ReadJobAsync(GatewayHarness.NameOf(id));
        await H.WriteStatusAsync(job, new AiJobStatus { Phase = JobPhases.Cancelled });
        await Wait.UntilAsync(async () => (await H.GetAsync($"/api/ai-jobs/{id}", key)).Data.GetProperty("status").GetString() == "cancelled",
            "the gateway shows the job cancelled");
        Assert.Equal(204, (await H.DeleteAsync($"/api/ai-jobs/{id}", key)).Status);
    }

    [Theory]
    [InlineData(JobPhases.Running)]
    [InlineData(JobPhases.Completed)]
    [InlineData(JobPhases.Failed)]
    public async Task A_job_past_the_queue_is_JOB_NOT_CANCELLABLE(string phase)
    {
        var key = await H.CreateKeyAsync(GatewayFixture.NewTenant());
        var id = await H.DispatchAsync(key);
        var job = await H.ReadJobAsync(GatewayHarness.NameOf(id));
        await H.WriteStatusAsync(job, new AiJobStatus { Phase = phase, StartedAt = DateTime.UtcNow });
        // Deliberately not waiting for the cache: a stale cached "queued" must still lose to the precondition.
        var response = await H.DeleteAsync($"/api/ai-jobs/{id}", key);
        Assert.Equal(409, response.Status);
        Assert.Equal("JOB_NOT_CANCELLABLE", response.ErrorCode);
        Assert.False((await H.ReadJobAsync(GatewayHarness.NameOf(id))).Spec.Cancel);
    }

    [Fact]
    public async Task Cancelling_an_unknown_job_is_JOB_NOT_FOUND()
    {
        var key = await H.CreateKeyAsync(GatewayFixture.NewTenant());
        var response = await H.DeleteAsync("/api/ai-jobs/job_" + Ulid.NewUlid(DateTimeOffset.UtcNow.AddDays(-1)), key);
        Assert.Equal(404, response.Status);
        Assert.Equal("JOB_NOT_FOUND", response.ErrorCode);
    }

    /// <summary>
    /// A claimer does what the operator does: read the job, skip it if cancel was asked, else write status Running
    /// with the resourceVersion it read (retrying on 409). Both interleavings that decide the race are forced, so
    /// each outcome is proven rather than hoped for: the claim written before the DELETE (409 JOB_NOT_CANCELLABLE,
    /// the job runs), and the DELETE landing between the claimer's read and its write (204; the claimer's stale
    /// write is refused and, reading again, it skips the job). Then free races: each has exactly one winner.
    /// </summary>
    [Fact]
    public async Task Cancel_racing_a_claim_has_exactly_one_winner_and_both_outcomes_occur()
    {
        var key = await H.CreateKeyAsync(GatewayFixture.NewTenant());
        const int forced = 10;
        const int races = 100;

        for (var i = 0; i < forced; i++)
        {
            var id = await H.DispatchAsync(key);
            Assert.True(await ClaimAsync(GatewayHarness.NameOf(id)));
            var response = await H.DeleteAsync($"/api/ai-jobs/{id}", key);
            Assert.Equal(Outcome.Claimed, await JudgeAsync(id, response, ran: true));
        }

        for (var i = 0; i < forced; i++)
        {
            var id = await H.DispatchAsync(key);
            Response? response = null;
            var reads = 0;
            var ran = await ClaimAsync(GatewayHarness.NameOf(id), afterRead: async () =>
            {
                if (++reads == 1) response = await H.DeleteAsync($"/api/ai-jobs/{id}", key);
            });
            Assert.Equal(2, reads); // the stale write was refused, so the claimer read again
            Assert.Equal(Outcome.Cancelled, await JudgeAsync(id, response!, ran));
        }

        var ids = new List<string>();
        for (var i = 0; i < races; i++) ids.Add(await H.DispatchAsync(key));
        var outcomes = new System.Collections.Concurrent.ConcurrentBag<Outcome>();
        await Parallel.ForEachAsync(ids, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (id, _) =>
        {
            var cancel = H.DeleteAsync($"/api/ai-jobs/{id}", key);
            var claim = ClaimAsync(GatewayHarness.NameOf(id));
            var (response, ran) = (await cancel, await claim);
            outcomes.Add(await JudgeAsync(id, response, ran));
        });
        Assert.Equal(races, outcomes.Count);
    }

    private enum Outcome { Cancelled, Claimed }

    /// <summary>Exactly one side won: a 204 means the job never ran; a 409 means it did and carries no cancel.</summary>
    private async Task<Outcome> JudgeAsync(string id, Response response, bool ran)
    {
        var final = await H.ReadJobAsync(GatewayHarness.NameOf(id));
        if (response.Status == 204)
        {
            Assert.False(ran, $"{id}: cancel answered 204 but the claimer ran it");
            Assert.True(final.Spec.Cancel);
            Assert.NotEqual(JobPhases.Running, final.Status?.Phase);
            return Outcome.Cancelled;
        }
        Assert.Equal(409, response.Status);
        Assert.Equal("JOB_NOT_CANCELLABLE", response.ErrorCode);
        Assert.True(ran, $"{id}: cancel refused but the job did not run");
        Assert.Equal(JobPhases.Running, final.Status?.Phase);
        Assert.False(final.Spec.Cancel);
        return Outcome.Claimed;
    }

    private async Task<bool> ClaimAsync(string name, Func<Task>? afterRead = null)
    {
        while (true)
        {
            var job = await H.ReadJobAsync(name);
            if (afterRead is not null) await afterRead();
            if (job.Spec.Cancel) return false;
            try
            {
                await H.WriteStatusAsync(job, new AiJobStatus { Phase = JobPhases.Running, StartedAt = DateTime.UtcNow, Attempts = 1 });
                return true;
            }
            catch (HttpOperationException ex) when ((int)ex.Response.StatusCode == 409)
            {
                // Lost to a write in between (the cancel): read again and decide again.
            }
        }
    }
}
