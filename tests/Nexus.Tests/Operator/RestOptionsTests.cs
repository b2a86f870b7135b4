using System.Text.Json;
using Nexus.Crds.Entities;
using Nexus.Gateway.Jobs;
using Nexus.Gateway.Validation;
using Nexus.Shared;
using Nexus.Tests.Operator.Support;

namespace Nexus.Tests.Operator;

/// <summary>
/// max_retries and timeout_seconds given over REST are what the real operator applies: the AiJob is built from a
/// REST body exactly as the gateway builds it (parser, <see cref="NewJob"/>, <see cref="JobOptionsSpec"/>).
/// </summary>
public sealed class RestOptionsTests
{
    private static async Task<AiJob> CreateFromRestAsync(OperatorCluster c, string body)
    {
        using var document = JsonDocument.Parse(body);
        var parsed = JobRequestParser.ParseJob(document.RootElement);
        Assert.True(parsed.Ok, string.Join("; ", parsed.Details.Select(d => $"{d.Field}: {d.Message}")));
        var request = parsed.Job!;
        var job = NewJob.Build(ResourceIds.NewJobName(), "acme", request.Type, request.Priority, request.Params, DateTimeOffset.UtcNow.AddMinutes(1));
        job.Metadata.NamespaceProperty = OperatorCluster.Ns;
        JobOptionsSpec.Apply(job.Spec, request);
        return await c.Api.CreateAsync(ResourceKind.AiJob.Collection(OperatorCluster.Ns), job, default);
    }

    [Fact]
    public async Task A_REST_max_retries_is_the_number_of_retries_the_operator_makes()
    {
        await using var c = await OperatorCluster.StartAsync();
        c.Tune = o => o with { RetryBaseDelay = TimeSpan.FromMilliseconds(100), RetryMaxDelay = TimeSpan.FromMilliseconds(300) };
        c.Workers[0].Behave = (id, attempt, p) => new FakeBehaviour { Error = ("UPSTREAM_DOWN", "still down", true) };
        await c.CreatePoolAsync("pool");
        await c.StartLeaderAsync();
        var job = await CreateFromRestAsync(c,
            """{"type": "pricing_recalculate", "params": {"skus": ["SKU-001"], "marketplace": "amazon_us"}, "max_retries": 3}""");
        Assert.Equal(3, job.Spec.MaxRetries);

        var failed = await c.WaitForPhaseAsync(job.Metadata.Name, JobPhases.Failed);
        Assert.Equal(4, failed.Status!.Attempts);
        Assert.Equal(3, failed.Status.Error!.RetryCount);
        Assert.Equal([1, 2, 3, 4], c.Workers[0].Submissions.Where(s => s.Id == job.Metadata.Name).Select(s => s.Attempt).ToList());
    }

    [Fact]
    public async Task A_REST_max_retries_of_zero_fails_on_the_first_retryable_error()
    {
        await using var c = await OperatorCluster.StartAsync();
        c.Workers[0].Behave = (id, attempt, p) => new FakeBehaviour { Error = ("UPSTREAM_DOWN", "still down", true) };
        await c.CreatePoolAsync("pool");
        await c.StartLeaderAsync();
        var job = await CreateFromRestAsync(c,
            """{"type": "pricing_recalculate", "params": {"skus": ["SKU-001"], "marketplace": "amazon_us"}, "max_retries": 0}""");
        var failed = await c.WaitForPhaseAsync(job.Metadata.Name, JobPhases.Failed);
        Assert.Equal(1, failed.Status!.Attempts);
        Assert.Equal(0, failed.Status.Error!.RetryCount);
    }

    [Fact]
    public async Task A_REST_timeout_seconds_is_the_attempt_deadline_the_operator_enforces()
    {
        await using var c = await OperatorCluster.StartAsync();
        var worker = c.Workers[0];
        worker.Behave = (id, attempt, p) => new FakeBehaviour { Hang = true };
        await c.CreatePoolAsync("pool");
        await c.StartLeaderAsync();
        var job = await CreateFromRestAsync(c,
            """{"type": "pricing_recalculate", "params": {"skus": ["SKU-001"], "marketplace": "amazon_us"}, "timeout_seconds": 1}""");
        Assert.Equal(1, job.Spec.TimeoutSeconds);

        // The type's default deadline is 120 s; the wait's own limit is far shorter, so only the REST deadline can end it.
        var failed = await c.WaitForPhaseAsync(job.Metadata.Name, JobPhases.Failed, TimeSpan.FromSeconds(30));
        Assert.Equal("WORKER_TIMEOUT", failed.Status!.Error!.Code);
        Assert.Contains(job.Metadata.Name, worker.Aborts);
        Assert.Equal(120, JobOptions.DefaultTimeoutSeconds(JobTypes.PricingRecalculate));
    }
}
