using System.Text.Json;
using Nexus.Crds.Entities;
using Nexus.Shared.History;
using Nexus.Tests.History;
using Nexus.Tests.Support;

namespace Nexus.Tests.Gateway;

/// <summary>
/// The job view's <c>attempts</c>: a live job's ended attempts (status.attemptHistory) and the one it is on, a finished
/// job's from the same history wherever it is read from (the cache, the history database after its AiJob is gone),
/// and an archived record's as they were stored, bounded as the API document states.
/// </summary>
public sealed class JobAttemptsViewTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private GatewayHarness H => fixture.Harness;

    private static readonly DateTime T0 = new(2026, 3, 12, 14, 30, 0, DateTimeKind.Utc);

    private static AiJobAttempt Ended(int number, string instance, string outcome, string? code, int startSecond, int endSecond) => new()
    {
        Number = number, Pool = "pricing", Instance = instance, Outcome = outcome, ErrorCode = code,
        StartedAt = T0.AddSeconds(startSecond), EndedAt = T0.AddSeconds(endSecond),
    };

    private async Task WriteStatusAsync(string id, AiJobStatus status) =>
        await H.WriteStatusAsync(await H.ReadJobAsync(GatewayHarness.NameOf(id)), status);

    private async Task<JsonElement> ViewAsync(string id, string key, Func<JsonElement, bool> until, string what)
    {
        JsonElement view = default;
        await Wait.UntilAsync(async () =>
        {
            var r = await H.GetAsync($"/api/ai-jobs/{id}", key);
            if (r.Status != 200) return false;
            view = r.Data.Clone();
            return until(view);
        }, what);
        return view;
    }

    private static string[] Summary(JsonElement view) => view.GetProperty("attempts").EnumerateArray().Select(a => string.Join(" ",
        a.GetProperty("number").GetInt32(),
        a.TryGetProperty("instance", out var i) ? i.GetString() : "-",
        a.GetProperty("started_at").GetString(),
        a.TryGetProperty("ended_at", out var e) ? e.GetString() : "-",
        a.GetProperty("outcome").GetString(),
        a.TryGetProperty("error_code", out var c) ? c.GetString() : "-")).ToArray();

    [Fact]
    public async Task A_running_job_lists_its_ended_attempts_and_the_one_it_is_on_in_GET_and_the_list()
    {
        var key = await H.CreateKeyAsync(GatewayFixture.NewTenant());
        var id = await H.DispatchAsync(key);
        var queued = await ViewAsync(id, key, v => v.GetProperty("status").GetString() == "queued", "the queued job");
        Assert.False(queued.TryGetProperty("attempts", out _), "a job never started has no attempts");

        await WriteStatusAsync(id, new AiJobStatus
        {
            Phase = JobPhases.Running, Attempts = 2, StartedAt = T0.AddSeconds(10),
            Worker = new AiJobWorkerRef { Pool = "pricing", Instance = "pricing-worker-1" },
            AttemptHistory = [Ended(1, "pricing-worker-0", AiJobAttempt.Retried, "WORKER_TIMEOUT", 1, 6)],
        });
        var running = await ViewAsync(id, key, v => v.GetProperty("status").GetString() == "running", "the running job");
        string[] expected =
        [
            "1 pricing-worker-0 2026-03-12T14:30:01.000Z 2026-03-12T14:30:06.000Z retried WORKER_TIMEOUT",
            "2 pricing-worker-1 2026-03-12T14:30:10.000Z - running -",
        ];
        Assert.Equal(expected, Summary(running));

        var list = await H.GetAsync("/api/ai-jobs?status=running", key);
        Assert.Equal(expected, Summary(list.Data.EnumerateArray().Single(j => j.GetProperty("id").GetString() == id)));

        // Back in the queue after a second failure: two ended attempts, none running.
        await WriteStatusAsync(id, new AiJobStatus
        {
            Phase = JobPhases.Queued, Attempts = 2, StartedAt = T0.AddSeconds(10),
            AttemptHistory = [Ended(1, "pricing-worker-0", AiJobAttempt.Retried, "WORKER_TIMEOUT", 1, 6), Ended(2, "pricing-worker-1", AiJobAttempt.Retried, "WORKER_ERROR", 10, 12)],
        });
        var requeued = await ViewAsync(id, key, v => v.GetProperty("status").GetString() == "queued", "the job queued again");
        Assert.Equal(["1", "2"], requeued.GetProperty("attempts").EnumerateArray().Select(a => a.GetProperty("number").GetInt32().ToString()));
        Assert.Equal(["retried", "retried"], requeued.GetProperty("attempts").EnumerateArray().Select(a => a.GetProperty("outcome").GetString()));
    }

    [Fact]
    public async Task A_finished_jobs_attempts_are_the_same_from_the_cache_and_from_the_archive_after_its_AiJob_is_deleted()
    {
        var tenant = GatewayFixture.NewTenant();
        var key = await H.CreateKeyAsync(tenant);
        var id = await H.DispatchAsync(key);
        await WriteStatusAsync(id, new AiJobStatus
        {
            Phase = JobPhases.Failed, Attempts = 2, StartedAt = T0.AddSeconds(10), CompletedAt = T0.AddSeconds(14),
            Worker = new AiJobWorkerRef { Pool = "pricing", Instance = "pricing-worker-1" },
            Error = new AiJobError { Code = "WORKER_ERROR", Message = "boom", RetryCount = 1 },
            AttemptHistory =
            [
                Ended(1, "pricing-worker-0", AiJobAttempt.Retried, "WORKER_TIMEOUT", 1, 6),
                Ended(2, "pricing-worker-1", AiJobAttempt.Failed, "WORKER_ERROR", 10, 14),
            ],
        });
        var live = await ViewAsync(id, key, v => v.GetProperty("status").GetString() == "failed", "the failed job");
        string[] expected =
        [
            "1 pricing-worker-0 2026-03-12T14:30:01.000Z 2026-03-12T14:30:06.000Z retried WORKER_TIMEOUT",
            "2 pricing-worker-1 2026-03-12T14:30:10.000Z 2026-03-12T14:30:14.000Z failed WORKER_ERROR",
        ];
        Assert.Equal(expected, Summary(live));

        await H.ArchiveAsync(id, delete: true);
        var archived = await H.GetAsync($"/api/ai-jobs/{id}", key);
        Assert.Equal(200, archived.Status);
        Assert.Equal(expected, Summary(archived.Data));
        Assert.Equal(2, (await H.History.Jobs.GetJobAsync(tenant, id))!.Attempts.Count);
    }

    [Fact]
    public async Task An_archived_records_attempts_are_shown_bounded_the_last_ones_clipped_and_with_known_outcomes()
    {
        var tenant = GatewayFixture.NewTenant();
        var key = await H.CreateKeyAsync(tenant);
        var record = SampleJobs.Completed(tenant);
        var start = record.CreatedAt;
        var many = Enumerable.Range(1, AiJobAttempt.MaxKept + 4)
            .Select(n => new JobAttempt(n, "pricing", n == AiJobAttempt.MaxKept + 4 ? new string('w', 400) : $"w-{n}", start.AddSeconds(n), start.AddSeconds(n + 0.5),
                n == AiJobAttempt.MaxKept + 4 ? JobPhases.Completed : n == 7 ? "TimedOut" : AiJobAttempt.Retried, n == 7 ? new string('E', 200) : null))
            .ToList();
        await H.History.Jobs.ArchiveAsync(record with { Attempts = many });

        var view = (await H.GetAsync($"/api/ai-jobs/{record.Id}", key)).Data;
        var attempts = view.GetProperty("attempts").EnumerateArray().ToList();
        Assert.Equal(Enumerable.Range(5, AiJobAttempt.MaxKept), attempts.Select(a => a.GetProperty("number").GetInt32()));
        Assert.Equal("completed", attempts[^1].GetProperty("outcome").GetString());
        Assert.Equal(253, attempts[^1].GetProperty("instance").GetString()!.Length);
        var seventh = attempts.Single(a => a.GetProperty("number").GetInt32() == 7);
        Assert.Equal("failed", seventh.GetProperty("outcome").GetString());
        Assert.Equal(AiJobError.CodeMaxLength, seventh.GetProperty("error_code").GetString()!.Length);
        Assert.All(attempts.Where(a => a.GetProperty("number").GetInt32() is not (7 or 20)), a => Assert.Equal("retried", a.GetProperty("outcome").GetString()));

        // The list shows them too (the archive's rows carry them).
        var listed = (await H.GetAsync("/api/ai-jobs?status=completed", key)).Data.EnumerateArray().Single();
        Assert.Equal(AiJobAttempt.MaxKept, listed.GetProperty("attempts").GetArrayLength());
    }
}
