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
    public void Results_go_inline_to_a_configmap_or_are_refused_by_size()
    {
        var small = JsonDocument.Parse("{\"score\":1}").RootElement;
        Assert.Equal(ResultPlacement.Inline, ResultPlacer.Place(small, 1024, 4096).Placement);

        var repetitive = JsonSerializer.SerializeToElement(new { text = new string('a', 50_000) });
        var (placement, raw, stored) = ResultPlacer.Place(repetitive, 1024, 4096);
        Assert.Equal(ResultPlacement.ConfigMap, placement);
        Assert.True(raw > 50_000);
        Assert.Equal(repetitive.GetRawText(), ResultEncoding.Decode(stored!));

        var random = new byte[20_000];
        new Random(1).NextBytes(random);
        var incompressible = JsonSerializer.SerializeToElement(new { blob = Convert.ToBase64String(random) });
        Assert.Equal(ResultPlacement.TooLarge, ResultPlacer.Place(incompressible, 1024, 4096).Placement);
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
        var o = OperatorOptions.FromEnvironment(["--namespace=jobs", "--aging-threshold-seconds=30", "--ttl-seconds-after-finished=5"]);
        Assert.Equal("jobs", o.Namespace);
        Assert.Equal(TimeSpan.FromSeconds(30), o.AgingThreshold);
        Assert.Equal(TimeSpan.FromSeconds(5), o.TtlAfterFinished);
        Assert.Equal(TimeSpan.FromHours(24), o.MaxQueueTime);
        Assert.Equal(256 * 1024, o.ResultInlineMaxBytes);
        Assert.Throws<ArgumentException>(() => OperatorOptions.FromEnvironment(["namespace"]));
    }
}
