using System.Text.Json;
using Nexus.Crds.Entities;
using Nexus.Operator;
using Nexus.Operator.Batches;
using Nexus.Operator.Dispatch;
using Nexus.Operator.Pools;
using Nexus.Shared;

namespace Nexus.Tests.Operator;

public sealed class PureLogicTests
{
    [Theory]
    [InlineData(0, 4, 0, 10, 0)]
    [InlineData(1, 4, 0, 10, 1)]
    [InlineData(9, 4, 0, 10, 3)]
    [InlineData(400, 4, 0, 10, 10)]
    [InlineData(0, 4, 2, 10, 2)]
    [InlineData(5, 0, 0, 3, 3)]
    public void Desired_replicas_is_clamped_ceiling_of_demand_over_concurrency(int demand, int conc, int min, int max, int expected) =>
        Assert.Equal(expected, ScalingMath.DesiredReplicas(demand, conc, min, max));

    [Fact]
    public void Scale_down_waits_for_the_delay_and_scale_up_does_not()
    {
        var gate = new ScalingMath.ScaleDownGate();
        var t = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        var delay = TimeSpan.FromSeconds(60);
        Assert.Equal(5, gate.Decide(2, 5, delay, t));
        Assert.Equal(5, gate.Decide(5, 1, delay, t.AddSeconds(1)));
        Assert.Equal(5, gate.Decide(5, 2, delay, t.AddSeconds(30)));
        // After the delay: the highest figure wanted during the window.
        Assert.Equal(2, gate.Decide(5, 0, delay, t.AddSeconds(62)));
        // Demand back up resets the window.
        Assert.Equal(3, gate.Decide(2, 3, delay, t.AddSeconds(63)));
    }

    [Fact]
    public void Backoff_grows_exponentially_with_jitter_and_is_capped()
    {
        var b = TimeSpan.FromSeconds(1);
        var max = TimeSpan.FromSeconds(30);
        Assert.Equal(TimeSpan.Zero, Backoff.Delay(0, b, max));
        for (var i = 0; i < 50; i++)
        {
            var d3 = Backoff.Delay(3, b, max);
            Assert.InRange(d3.TotalSeconds, 2, 4);
            Assert.InRange(Backoff.Delay(20, b, max).TotalSeconds, 15, 30);
        }
        var samples = Enumerable.Range(0, 50).Select(_ => Backoff.Delay(4, b, max)).Distinct().Count();
        Assert.True(samples > 1, "jitter spreads retries");
    }

    [Fact]
    public void A_worker_answer_is_read_without_copying_its_result()
    {
        var answer = System.Text.Encoding.UTF8.GetBytes(
            """{"id":"job-a","status":"completed","attempt":2,"result":{"text":"caf\u00e9","n":[1,2,{"x":null}]},"extra":{"a":[1]}}""");
        var poll = WorkerAnswer.Parse(answer, answer.Length);
        Assert.Equal((PollOutcome.Completed, 2), (poll.Outcome, poll.Attempt));
        Assert.Equal("""{"text":"caf\u00e9","n":[1,2,{"x":null}]}""", System.Text.Encoding.UTF8.GetString(poll.Result!.Utf8.Span));
        Assert.True(answer.AsSpan().Overlaps(poll.Result.Utf8.Span), "the result is a slice of the answer's buffer");
        Assert.Equal("café", poll.Result.Parse().GetProperty("text").GetString());

        var failed = System.Text.Encoding.UTF8.GetBytes("""{"status":"failed","error":{"code":"UPSTREAM","message":"down","retryable":true},"result":null}""");
        poll = WorkerAnswer.Parse(failed, failed.Length);
        Assert.Equal((PollOutcome.Failed, "UPSTREAM", "down", true), (poll.Outcome, poll.ErrorCode, poll.ErrorMessage, poll.Retryable));
        Assert.Null(poll.Result);
        Assert.Equal(PollOutcome.Running, WorkerAnswer.Parse("""{"status":"running"}"""u8.ToArray(), 20).Outcome);
        Assert.Throws<JsonException>(() => WorkerAnswer.Parse("[1]"u8.ToArray(), 3));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_body_is_read_up_to_its_limit_and_no_further(bool declared)
    {
        var body = new byte[100_000];
        new Random(2).NextBytes(body);
        var (buffer, length) = await BoundedBody.ReadAsync(new MemoryStream(body), declared ? body.Length : null, 100_000, default);
        Assert.Equal(body.Length, length);
        Assert.True(body.AsSpan().SequenceEqual(buffer.AsSpan(0, length)));
        var (none, read) = await BoundedBody.ReadAsync(new MemoryStream(body), null, 99_999, default);
        Assert.Null(none);
        Assert.Equal(100_000, read);
    }

    [Fact]
    public void Batch_phase_aggregates_children()
    {
        Assert.Equal(JobPhases.Queued, BatchAggregate.Of([null, JobPhases.Queued], 2).Phase);
        Assert.Equal(JobPhases.Running, BatchAggregate.Of([JobPhases.Completed, JobPhases.Queued], 2).Phase);
        Assert.Equal(JobPhases.Completed, BatchAggregate.Of([JobPhases.Completed, JobPhases.Completed], 2).Phase);
        Assert.Equal(JobPhases.Failed, BatchAggregate.Of([JobPhases.Completed, JobPhases.Failed, JobPhases.Cancelled], 3).Phase);
        Assert.Equal(JobPhases.Cancelled, BatchAggregate.Of([JobPhases.Completed, JobPhases.Cancelled], 2).Phase);
        var (phase, counts) = BatchAggregate.Of([JobPhases.Completed], 3);
        Assert.Equal(JobPhases.Running, phase);
        Assert.Equal((3, 1, 2), (counts.Total, counts.Completed, counts.Queued));
    }

    [Fact]
    public void Options_come_from_arguments_with_code_defaults()
    {
        var o = OperatorOptions.FromEnvironment(["--namespace=jobs", "--aging-threshold-seconds=30", "--retention-after-finish-seconds=5",
            "--database-url=postgresql://nexus@127.0.0.1/nexus"]);
        Assert.Equal("jobs", o.Namespace);
        Assert.Equal(TimeSpan.FromSeconds(30), o.AgingThreshold);
        Assert.Equal(TimeSpan.FromSeconds(5), o.RetentionAfterFinish);
        Assert.Equal(TimeSpan.FromHours(24), o.MaxQueueTime);
        Assert.Equal(16 * 1024, o.ResultInlineMaxBytes);
        Assert.Throws<ArgumentException>(() => OperatorOptions.FromEnvironment(["namespace"]));
    }
}
