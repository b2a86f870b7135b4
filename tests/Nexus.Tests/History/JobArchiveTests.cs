using System.Text;
using System.Text.Json;
using k8s.Models;
using Nexus.Crds.Entities;
using Nexus.Shared.History;
using Nexus.Tests.Support;

namespace Nexus.Tests.History;

/// <summary>The archive's writes and reads of whole job records, results and batches, on a real PostgreSQL.</summary>
public sealed class JobArchiveTests(HistoryDatabaseFixture fixture) : IClassFixture<HistoryDatabaseFixture>
{
    private JobArchive Jobs => fixture.Db.Jobs;

    [Fact]
    public async Task A_finished_job_reads_back_with_every_field_and_attempt()
    {
        var job = SampleJobs.Completed("acme") with { BatchId = "batch_01HXK9MZPQ3B8C7D2E5F6G7H8J", BatchIndex = 3 };
        await Jobs.ArchiveAsync(job);

        var read = await Jobs.GetJobAsync("acme", job.Id);
        Assert.NotNull(read);
        Assert.Equal(job.Id, read.Id);
        Assert.Equal(job.Type, read.Type);
        Assert.Equal(job.Status, read.Status);
        Assert.Equal(job.Priority, read.Priority);
        Assert.Equal(job.Params!.Value.GetRawText(), read.Params!.Value.GetRawText());
        Assert.Equal(job.CreatedAt.ToUnixTimeMilliseconds(), read.CreatedAt.ToUnixTimeMilliseconds());
        Assert.Equal(job.StartedAt!.Value.ToUnixTimeMilliseconds(), read.StartedAt!.Value.ToUnixTimeMilliseconds());
        Assert.Equal(job.CompletedAt!.Value.ToUnixTimeMilliseconds(), read.CompletedAt!.Value.ToUnixTimeMilliseconds());
        Assert.Equal(job.EstimatedCompletionAt!.Value.ToUnixTimeMilliseconds(), read.EstimatedCompletionAt!.Value.ToUnixTimeMilliseconds());
        Assert.Equal(job.BatchId, read.BatchId);
        Assert.Equal(3, read.BatchIndex);
        Assert.Equal(2, read.Attempts.Count);
        Assert.Equal(job.Attempts[0] with { StartedAt = read.Attempts[0].StartedAt, EndedAt = read.Attempts[0].EndedAt }, read.Attempts[0]);
        Assert.Equal("WORKER_UNAVAILABLE", read.Attempts[0].ErrorCode);
        Assert.Equal("worker-b", read.Attempts[1].Instance);
        Assert.Equal(job.Attempts[1].EndedAt!.Value.ToUnixTimeMilliseconds(), read.Attempts[1].EndedAt!.Value.ToUnixTimeMilliseconds());
        Assert.Equal(job.Result!.Value.GetRawText(), read.Result!.Value.GetRawText());
        Assert.Equal(Encoding.UTF8.GetByteCount(job.Result.Value.GetRawText()), read.ResultSizeBytes);

        var withoutResult = await Jobs.GetJobAsync("acme", job.Id, includeResult: false);
        Assert.Null(withoutResult!.Result);
        Assert.Equal(read.ResultSizeBytes, withoutResult.ResultSizeBytes);
    }

    [Fact]
    public async Task A_failed_job_keeps_its_error()
    {
        var job = SampleJobs.Failed("acme");
        await Jobs.ArchiveAsync(job);
        var read = await Jobs.GetJobAsync("acme", job.Id);
        Assert.Equal(new ArchivedError("WORKER_TIMEOUT", "Worker did not respond within the timeout window", 2), read!.Error);
        Assert.Null(read.Result);
        Assert.Null(read.ResultSizeBytes);
    }

    [Fact]
    public async Task Archiving_again_is_idempotent_and_a_changed_record_replaces_the_old()
    {
        var job = SampleJobs.Completed("acme");
        await Jobs.ArchiveAsync(job);
        await Jobs.ArchiveAsync(job);
        var changed = job with { Status = JobPhases.Failed, Error = new ArchivedError("X", "y", 1), Result = SampleJobs.Json("""{"v":2}""") };
        await Jobs.ArchiveAsync(changed);

        var read = await Jobs.GetJobAsync("acme", job.Id);
        Assert.Equal(JobPhases.Failed, read!.Status);
        Assert.Equal("X", read.Error!.Code);
        Assert.Equal("""{"v":2}""", read.Result!.Value.GetRawText());
        await using var count = fixture.Db.DataSource.CreateCommand("SELECT count(*) FROM jobs WHERE id = $1");
        count.Parameters.Add(new Npgsql.NpgsqlParameter<string> { TypedValue = job.Id });
        Assert.Equal(1L, await count.ExecuteScalarAsync());
    }

    [Fact]
    public async Task A_batched_write_stores_every_job_or_none()
    {
        var jobs = Enumerable.Range(0, 40).Select(_ => SampleJobs.Completed("acme")).ToList();
        await Jobs.ArchiveAsync(jobs);
        foreach (var job in jobs) Assert.NotNull(await Jobs.GetJobAsync("acme", job.Id, includeResult: false));

        // One id taken by another tenant fails the whole write: the fresh jobs before it are not stored either.
        var fresh = Enumerable.Range(0, 3).Select(_ => SampleJobs.Completed("acme")).ToList();
        var poisoned = fresh.Append(jobs[0] with { Tenant = "globex" }).ToList();
        var error = await Assert.ThrowsAsync<TenantMismatchException>(() => Jobs.ArchiveAsync(poisoned));
        Assert.Equal(jobs[0].Id, error.Id);
        foreach (var job in fresh) Assert.Null(await Jobs.GetJobAsync("acme", job.Id));
        Assert.Equal("acme", (await Jobs.GetJobAsync("acme", jobs[0].Id))!.Tenant);
    }

    [Fact]
    public async Task A_large_result_is_stored_compressed_and_streams_back_whole()
    {
        var big = new StringBuilder("{\"rows\":[");
        for (var i = 0; i < 40_000; i++) big.Append(i == 0 ? "" : ",").Append($$"""{"sku":"SKU-{{i:D6}}","price":{{i % 97}}.49,"note":"recommended after review"}""");
        big.Append("]}");
        var json = big.ToString();
        var job = SampleJobs.Completed("acme", result: SampleJobs.Json(json));
        await Jobs.ArchiveAsync(job);

        await using (var size = fixture.Db.DataSource.CreateCommand("SELECT size_bytes, length(body), encoding FROM job_results WHERE job_id = $1"))
        {
            size.Parameters.Add(new Npgsql.NpgsqlParameter<string> { TypedValue = job.Id });
            await using var reader = await size.ExecuteReaderAsync();
            Assert.True(await reader.ReadAsync());
            Assert.Equal(Encoding.UTF8.GetByteCount(json), reader.GetInt64(0));
            Assert.True(reader.GetInt32(1) * 5 < reader.GetInt64(0), $"stored {reader.GetInt32(1)} bytes for {reader.GetInt64(0)}");
            Assert.Equal("gzip", reader.GetString(2));
        }

        using var copy = new MemoryStream();
        Assert.True(await Jobs.CopyResultToAsync("acme", job.Id, copy));
        Assert.Equal(json, Encoding.UTF8.GetString(copy.ToArray()));
        Assert.Equal(json, (await Jobs.GetResultAsync("acme", job.Id))!.Value.GetRawText());
        Assert.False(await Jobs.CopyResultToAsync("acme", "job_missing", copy));
    }

    [Fact]
    public async Task A_result_above_the_maximum_is_refused_and_nothing_is_written()
    {
        await using var small = fixture.Open(o => o with { MaxResultBytes = 1024 });
        var job = SampleJobs.Completed("acme", result: SampleJobs.Json($$"""{"blob":"{{new string('x', 2000)}}"}"""));
        var error = await Assert.ThrowsAsync<ResultTooLargeException>(() => small.Jobs.ArchiveAsync(job));
        Assert.Equal(1024, error.MaxBytes);
        Assert.Null(await small.Jobs.GetJobAsync("acme", job.Id));
        await Assert.ThrowsAsync<ResultTooLargeException>(() =>
            small.Jobs.StoreResultAsync("acme", job.Id, new MemoryStream(Encoding.UTF8.GetBytes(new string('1', 5000)))));
    }

    [Fact]
    public async Task A_result_stored_while_the_job_ran_is_kept_when_the_job_is_archived_without_one()
    {
        var job = SampleJobs.Completed("acme");
        await Jobs.StoreResultAsync("acme", job.Id, new MemoryStream("""{"streamed":true}"""u8.ToArray()));
        await Jobs.ArchiveAsync(job with { Result = null });
        var read = await Jobs.GetJobAsync("acme", job.Id);
        Assert.True(read!.Result!.Value.GetProperty("streamed").GetBoolean());
    }

    [Fact]
    public async Task A_record_made_from_a_finished_AiJob_carries_what_the_view_shows()
    {
        var name = ResourceIds.NewJobName();
        var started = DateTime.UtcNow.AddSeconds(-20);
        var aiJob = new AiJob
        {
            Metadata = new V1ObjectMeta { Name = name, CreationTimestamp = DateTime.UtcNow.AddMinutes(-1) },
            Spec = new AiJobSpec
            {
                Type = JobTypes.CompetitorScan, Tenant = "acme", Priority = Priorities.Low, Params = SampleJobs.Json("""{"skus":["A"]}"""),
                Batch = new AiJobBatchRef { Name = "batch-01hxk9mzpq3b8c7d2e5f6g7h8j", Index = 1 },
            },
            Status = new AiJobStatus
            {
                Phase = JobPhases.Failed, StartedAt = started, CompletedAt = started.AddSeconds(9), Attempts = 3,
                Worker = new AiJobWorkerRef { Pool = "scan", Instance = "10.0.0.7:8000" },
                Error = new AiJobError { Code = "WORKER_TIMEOUT", Message = "late", RetryCount = 2 },
            },
        };
        var record = ArchivedJob.FromAiJob(aiJob);
        Assert.Equal(ResourceIds.JobIdFromName(name), record.Id);
        Assert.Equal(Ulid.Time(name.AsSpan(4)), record.CreatedAt);
        Assert.Equal("batch_01HXK9MZPQ3B8C7D2E5F6G7H8J", record.BatchId);
        Assert.Equal(1, record.BatchIndex);
        var attempt = Assert.Single(record.Attempts);
        Assert.Equal(new JobAttempt(3, "scan", "10.0.0.7:8000", record.StartedAt!.Value, record.CompletedAt, JobPhases.Failed, "WORKER_TIMEOUT"), attempt);

        await Jobs.ArchiveAsync(record);
        var read = await Jobs.GetJobAsync("acme", record.Id);
        Assert.Equal(Priorities.Low, read!.Priority);
        Assert.Equal(2, read.Error!.RetryCount);

        aiJob.Status.Phase = JobPhases.Running;
        Assert.Throws<ArgumentException>(() => ArchivedJob.FromAiJob(aiJob));
    }

    [Fact]
    public async Task A_finished_batch_reads_back_with_its_archived_jobs_in_order()
    {
        var batchName = ResourceIds.NewBatchName();
        var aiBatch = new AiJobBatch
        {
            Metadata = new V1ObjectMeta { Name = batchName },
            Spec = new AiJobBatchSpec
            {
                Tenant = "acme", Sequential = true,
                Jobs = [new AiJobBatchItem { Type = JobTypes.CompetitorScan }, new AiJobBatchItem { Type = JobTypes.PricingRecalculate, Priority = Priorities.High }],
            },
            Status = new AiJobBatchStatus { Phase = JobPhases.Completed, CompletedAt = DateTime.UtcNow },
        };
        var batch = ArchivedBatch.FromAiJobBatch(aiBatch, (b, i) => $"{b.Metadata.Name}-{i}");
        Assert.Equal(ResourceIds.BatchIdFromName(batchName), batch.Id);
        Assert.Equal($"{batchName}-1", batch.Jobs[1].Id);

        await Jobs.ArchiveBatchAsync(batch);
        await Jobs.ArchiveBatchAsync(batch);
        // Children written in reverse order still read back in batch order.
        for (var i = batch.Jobs.Count - 1; i >= 0; i--)
            await Jobs.ArchiveAsync(SampleJobs.Completed("acme", type: batch.Jobs[i].Type) with { Id = batch.Jobs[i].Id, BatchId = batch.Id, BatchIndex = i });

        var read = await Jobs.GetBatchAsync("acme", batch.Id);
        Assert.NotNull(read);
        Assert.True(read.Batch.Sequential);
        Assert.Equal(JobPhases.Completed, read.Batch.Status);
        Assert.Equal(batch.Jobs, read.Batch.Jobs);
        Assert.Equal(batch.Jobs.Select(j => j.Id), read.Jobs.Select(j => j.Id));
        Assert.NotNull(read.Jobs[0].Result);
        Assert.Null(await Jobs.GetBatchAsync("acme", "batch_missing"));
    }

    [Fact]
    public async Task Bad_input_is_refused_before_any_write()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => Jobs.ArchiveAsync(SampleJobs.Completed("")));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Jobs.ListJobsAsync(new JobListQuery { Tenant = "acme", Limit = 0 }));
        await Assert.ThrowsAsync<ArgumentException>(() => fixture.Db.IdempotencyKeys.ClaimAsync("acme", "has space", "f", "job_1"));
    }
}
