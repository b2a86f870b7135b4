using System.Text.Json.Nodes;
using k8s.Models;
using Nexus.Crds.Entities;
using Nexus.Operator.Archive;
using Nexus.Shared;
using Nexus.Shared.History;
using Nexus.Tests.Operator.Support;
using Nexus.Tests.Support;
using Npgsql;

namespace Nexus.Tests.Operator;

/// <summary>Finished jobs and batches archived to a real PostgreSQL, behind the archive finalizer, against the real stand-in.</summary>
public sealed class ArchiveTests
{
    private static Task<AiJob> ArchivedInApiAsync(OperatorCluster c, string name, TimeSpan? timeout = null) =>
        Wait.ForAsync(async () => await c.GetJobAsync(name) is { Status.ArchivedAt: not null } j ? j : null, $"{name} archived", timeout);

    [Fact]
    public async Task Every_terminal_phase_is_archived_whole_with_every_attempt_and_the_cache_drops_archived_results()
    {
        await using var c = await OperatorCluster.StartAsync();
        c.Workers[0].Behave = (id, attempt, p) => p?.GetProperty("skus")[0].GetString() switch
        {
            "retried" when attempt == 1 => new FakeBehaviour { Error = ("UPSTREAM_DOWN", "retry me", true) },
            "bad" => new FakeBehaviour { Error = ("BAD_INPUT", "no such sku", false) },
            _ => new FakeBehaviour { Result = new JsonObject { ["score"] = 7 } },
        };
        await c.CreatePoolAsync("pool", types: [JobTypes.PricingRecalculate]);
        var op = await c.StartLeaderAsync();
        var completed = await c.CreateJobAsync(parameters: new { skus = new[] { "retried" } });
        var failed = await c.CreateJobAsync(parameters: new { skus = new[] { "bad" } }, maxRetries: 0);
        var cancelled = await c.CreateJobAsync(type: JobTypes.CompetitorScan); // no pool serves it: it stays queued
        await c.WaitForPhaseAsync(cancelled.Metadata.Name, JobPhases.Queued);
        await c.CancelAsync(cancelled.Metadata.Name);

        var done = await ArchivedInApiAsync(c, completed.Metadata.Name);
        var row = (await c.ArchivedAsync(completed.Metadata.Name))!;
        Assert.Equal((JobPhases.Completed, JobTypes.PricingRecalculate, "retried"), (row.Status, row.Type, row.Params!.Value.GetProperty("skus")[0].GetString()));
        Assert.Equal(7, row.Result!.Value.GetProperty("score").GetInt32());
        Assert.Equal([(1, "Retried", "UPSTREAM_DOWN"), (2, "Completed", null)], row.Attempts.Select(a => (a.Number, a.Outcome, a.ErrorCode)).ToList());
        Assert.All(row.Attempts, a => Assert.Equal(c.Workers[0].Url, a.Instance));
        Assert.All(row.Attempts, a => Assert.True(a.EndedAt >= a.StartedAt));
        Assert.Equal(2, done.Status!.AttemptHistory!.Count);
        // Still in the API for the retention, with its finalizer; the operator's cache holds it without its result.
        Assert.Contains(NexusGroup.ArchiveFinalizer, done.Metadata.Finalizers);
        Assert.NotNull(done.Status.Result);
        var cached = op.Term!.Jobs.Get(completed.Metadata.Name)!;
        Assert.Null(cached.Status!.Result);
        Assert.Null(cached.Metadata.ManagedFields);

        await ArchivedInApiAsync(c, failed.Metadata.Name);
        row = (await c.ArchivedAsync(failed.Metadata.Name))!;
        Assert.Equal((JobPhases.Failed, "BAD_INPUT"), (row.Status, row.Error!.Code));
        Assert.Equal((1, "Failed", "BAD_INPUT"), row.Attempts.Select(a => (a.Number, a.Outcome, a.ErrorCode)).Single());

        await ArchivedInApiAsync(c, cancelled.Metadata.Name);
        row = (await c.ArchivedAsync(cancelled.Metadata.Name))!;
        Assert.Equal(JobPhases.Cancelled, row.Status);
        Assert.Empty(row.Attempts);
        Assert.True(await OperatorCluster.MetricAsync(op, "nexus_operator_archived_total{kind=\"aijob\"}") >= 3);
    }

    [Fact]
    public async Task A_job_deleted_by_hand_while_running_is_archived_as_cancelled_before_its_finalizer_lets_it_go()
    {
        await using var c = await OperatorCluster.StartAsync();
        c.Workers[0].Behave = (_, _, _) => new FakeBehaviour { Hang = true };
        await c.CreatePoolAsync("pool");
        await c.StartLeaderAsync();
        // Made by kubectl, without the finalizer: the operator adds it.
        var job = await c.CreateJobAsync();
        Assert.Null(job.Metadata.Finalizers);
        var running = await c.WaitForPhaseAsync(job.Metadata.Name, JobPhases.Running);
        await Wait.UntilAsync(async () => (await c.GetJobAsync(job.Metadata.Name))!.Metadata.Finalizers?.Contains(NexusGroup.ArchiveFinalizer) == true,
            "finalizer added");

        await c.Api.DeleteAsync(ResourceKind.AiJob.Item(OperatorCluster.Ns, job.Metadata.Name), null, default);
        await Wait.UntilAsync(async () => await c.GetJobAsync(job.Metadata.Name) is null, "deleted job gone once archived");
        var row = (await c.ArchivedAsync(job.Metadata.Name))!;
        Assert.Equal((JobPhases.Cancelled, "JOB_DELETED"), (row.Status, row.Error!.Code));
        Assert.Equal((1, "Cancelled"), row.Attempts.Select(a => (a.Number, a.Outcome)).Single());
        Assert.Equal(running.Status!.Worker!.Instance, row.Attempts[0].Instance);
    }

    [Fact]
    public async Task With_the_database_down_jobs_still_run_and_stay_in_the_api_until_archived_then_go_with_nothing_lost()
    {
        await using var pg = await PostgresServer.StartOwnAsync("outage");
        await using var c = await OperatorCluster.StartAsync(database: pg);
        await c.CreatePoolAsync("pool");
        c.Tune = o => o with { RetentionAfterFinish = TimeSpan.FromSeconds(1) };
        var op = await c.StartLeaderAsync();
        await Wait.UntilAsync(() => op.Startup.IsMigrated, "migrated");

        await pg.StopAsync();
        var names = new List<string>();
        for (var i = 0; i < 3; i++) names.Add((await c.CreateJobAsync(parameters: new { skus = new[] { $"S-{i}" } })).Metadata.Name);
        foreach (var name in names) await c.WaitForPhaseAsync(name, JobPhases.Completed);
        await Wait.UntilAsync(async () => await OperatorCluster.MetricAsync(op, "nexus_operator_archive_backlog{kind=\"aijob\"}") >= 3, "backlog of 3");
        await Wait.UntilAsync(async () => await OperatorCluster.MetricAsync(op, "nexus_operator_archive_failures_total{kind=\"aijob\"}") >= 2,
            "archive retried");
        // Deleted by hand while it cannot be archived: the finalizer keeps it.
        await c.Api.DeleteAsync(ResourceKind.AiJob.Item(OperatorCluster.Ns, names[0]), null, default);
        var held = (await c.GetJobAsync(names[0]))!;
        Assert.NotNull(held.Metadata.DeletionTimestamp);
        foreach (var name in names) Assert.Null((await c.GetJobAsync(name))!.Status!.ArchivedAt);

        await pg.StartAsync();
        foreach (var name in names)
        {
            await Wait.UntilAsync(async () => await c.GetJobAsync(name) is null, $"{name} archived and deleted", TimeSpan.FromSeconds(30));
            Assert.Equal(JobPhases.Completed, (await c.ArchivedAsync(name))!.Status);
        }
        await Wait.UntilAsync(async () => await OperatorCluster.MetricAsync(op, "nexus_operator_archive_backlog{kind=\"aijob\"}") == 0, "backlog drained");
        Assert.Equal(3, c.Workers[0].Submissions.Count);
    }

    [Fact]
    public async Task An_operator_killed_between_the_archive_write_and_the_status_write_leaves_one_row_not_two_and_none_missing()
    {
        await using var c = await OperatorCluster.StartAsync();
        await c.History.MigrateAsync();
        // The state a kill leaves: finished in the API, archivedAt unset, its row already written by the dead leader.
        var job = await c.CreateJobAsync();
        job.Status = new AiJobStatus
        {
            Phase = JobPhases.Failed, QueuedAt = DateTime.UtcNow, CompletedAt = DateTime.UtcNow,
            Error = new AiJobError { Code = "QUEUE_TIMEOUT", Message = "queued too long" },
        };
        job = await c.Api.ReplaceAsync(ResourceKind.AiJob.Item(OperatorCluster.Ns, job.Metadata.Name) + "/status", job, default);
        await c.History.Jobs.ArchiveAsync(ArchivedJob.FromAiJob(job));

        await c.StartLeaderAsync();
        await ArchivedInApiAsync(c, job.Metadata.Name);
        await using var count = c.History.DataSource.CreateCommand("SELECT count(*) FROM jobs WHERE id = $1");
        count.Parameters.Add(new NpgsqlParameter<string> { TypedValue = ResourceIds.JobIdFromName(job.Metadata.Name) });
        Assert.Equal(1L, await count.ExecuteScalarAsync());
        Assert.Equal((JobPhases.Failed, "QUEUE_TIMEOUT"), ((await c.ArchivedAsync(job.Metadata.Name))!.Status, (await c.ArchivedAsync(job.Metadata.Name))!.Error!.Code));
    }

    [Fact]
    public async Task A_finished_batch_is_archived_with_its_jobs_then_released()
    {
        await using var c = await OperatorCluster.StartAsync();
        await c.CreatePoolAsync("pool");
        c.Tune = o => o with { RetentionAfterFinish = TimeSpan.FromSeconds(1) };
        await c.StartLeaderAsync();
        var name = ResourceIds.NewBatchName();
        await c.Api.CreateAsync(ResourceKind.AiJobBatch.Collection(OperatorCluster.Ns), new AiJobBatch
        {
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = OperatorCluster.Ns },
            Spec = new AiJobBatchSpec
            {
                Tenant = "acme", Sequential = true,
                Jobs = [new AiJobBatchItem { Type = JobTypes.PricingRecalculate }, new AiJobBatchItem { Type = JobTypes.ReviewSentiment }],
            },
        }, default);
        var path = ResourceKind.AiJobBatch.Item(OperatorCluster.Ns, name);
        await Wait.UntilAsync(async () => (await c.Api.GetAsync<AiJobBatch>(path, default))?.Metadata.Finalizers?.Contains(NexusGroup.ArchiveFinalizer) == true,
            "finalizer added to the batch");
        // The batch's children are built with the finalizer from creation.
        var child = await Wait.ForAsync(() => c.GetJobAsync($"{name}-0"), "first child");
        Assert.Contains(NexusGroup.ArchiveFinalizer, child.Metadata.Finalizers);

        await Wait.UntilAsync(async () => await c.Api.GetAsync<AiJobBatch>(path, default) is null, "batch archived and deleted", TimeSpan.FromSeconds(30));
        var archived = (await c.History.Jobs.GetBatchAsync("acme", ResourceIds.BatchIdFromName(name)))!;
        Assert.Equal((JobPhases.Completed, true, 2), (archived.Batch.Status, archived.Batch.Sequential, archived.Batch.Jobs.Count));
        await Wait.UntilAsync(async () => (await c.History.Jobs.GetBatchAsync("acme", ResourceIds.BatchIdFromName(name)))!.Jobs.Count == 2, "both jobs archived");
        await Wait.UntilAsync(async () => await c.GetJobAsync(child.Metadata.Name) is null, "children go with the batch");
    }

    [Fact]
    public void The_slim_cache_keeps_a_result_only_until_its_job_is_archived()
    {
        AiJob Job(DateTime? archivedAt) => new()
        {
            Metadata = new V1ObjectMeta { Name = "job-a", ManagedFields = [new V1ManagedFieldsEntry { Manager = "kubectl" }] },
            Status = new AiJobStatus { Phase = JobPhases.Completed, Result = System.Text.Json.JsonDocument.Parse("{\"a\":1}").RootElement, ArchivedAt = archivedAt },
        };
        var waiting = (AiJob)SlimCache.Trim(Job(null));
        Assert.Null(waiting.Metadata.ManagedFields);
        Assert.NotNull(waiting.Status!.Result);
        Assert.Null(((AiJob)SlimCache.Trim(Job(DateTime.UtcNow))).Status!.Result);
    }
}
