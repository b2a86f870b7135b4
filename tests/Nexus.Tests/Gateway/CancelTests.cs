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
    /// with the resourceVersion it read (retrying on 409). Racing it against DELETE, a 204 must never be followed
    /// by the job running, and a job that runs must have answered 409.
    /// </summary>
    [Fact]
    public async Task Cancel_racing_a_claim_has_exactly_one_winner_over_200_races()
    {
        var key = await H.CreateKeyAsync(GatewayFixture.NewTenant());
        const int races = 200;
        var ids = new List<string>();
        for (var i = 0; i < races; i++) ids.Add(await H.DispatchAsync(key));

        var cancelled = 0;
        var claimed = 0;
        await Parallel.ForEachAsync(ids, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (id, _) =>
        {
            var name = GatewayHarness.NameOf(id);
            var cancel = H.DeleteAsync($"/api/ai-jobs/{id}", key);
            var claim = ClaimAsync(name);
            var (response, ran) = (await cancel, await claim);
            var final = await H.ReadJobAsync(name);
            if (response.Status == 204)
            {
                Assert.False(ran, $"{id}: cancel answered 204 but the claimer ran it");
                Assert.True(final.Spec.Cancel);
                Assert.NotEqual(JobPhases.Running, final.Status?.Phase);
                Interlocked.Increment(ref cancelled);
            }
            else
            {
                Assert.Equal(409, response.Status);
                Assert.Equal("JOB_NOT_CANCELLABLE", response.ErrorCode);
                Assert.True(ran, $"{id}: cancel refused but the job did not run");
                Assert.Equal(JobPhases.Running, final.Status?.Phase);
                Assert.False(final.Spec.Cancel);
                Interlocked.Increment(ref claimed);
            }
        });
        Assert.Equal(races, cancelled + claimed);
    }

    private async Task<bool> ClaimAsync(string name)
    {
        while (true)
        {
            var job = await H.ReadJobAsync(name);
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
