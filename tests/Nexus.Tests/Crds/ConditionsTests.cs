using Nexus.Crds.Entities;

namespace Nexus.Tests.Crds;

public sealed class ConditionsTests
{
    private static readonly DateTime T0 = new(2026, 3, 12, 14, 0, 0, DateTimeKind.Utc);

    [Theory]
    [InlineData(JobPhases.Completed, null, "Completed", new[] { "Finished", "Complete" })]
    [InlineData(JobPhases.Failed, "WORKER_TIMEOUT", "WorkerTimeout", new[] { "Finished", "Failed" })]
    [InlineData(JobPhases.Cancelled, null, "Cancelled", new[] { "Finished" })]
    [InlineData(JobPhases.Cancelled, "DEPENDENCY_FAILED", "DependencyFailed", new[] { "Finished" })]
    public void A_terminal_job_is_finished_and_complete_or_failed_as_batch_jobs_are(string phase, string? code, string reason, string[] types)
    {
        var status = new AiJobStatus();
        Conditions.SetTerminal(status, phase, code, "why", 3, T0);

        Assert.Equal(types.Order(), status.Conditions!.Select(c => c.Type).Order());
        Assert.All(status.Conditions!, c =>
        {
            Assert.Equal("True", c.Status);
            Assert.Equal(reason, c.Reason);
            Assert.Equal("why", c.Message);
            Assert.Equal(3, c.ObservedGeneration);
            Assert.Equal(T0, c.LastTransitionTime);
        });
    }

    [Fact]
    public void Only_terminal_phases_have_terminal_conditions()
    {
        Assert.Throws<ArgumentException>(() => Conditions.SetTerminal(new AiJobStatus(), JobPhases.Running, null, "", null, T0));
    }

    [Fact]
    public void The_transition_time_moves_only_when_the_status_flips()
    {
        var list = Conditions.Set(null, Conditions.Ready, false, "NoReadyReplica", "0 of 1", 1, T0);
        list = Conditions.Set(list, Conditions.Ready, false, "NoReadyReplica", "0 of 2", 1, T0.AddMinutes(1));
        var notReady = Assert.Single(list);
        Assert.Equal(("False", "0 of 2", T0), (notReady.Status, notReady.Message, notReady.LastTransitionTime));

        list = Conditions.Set(list, Conditions.Ready, true, "ReplicasReady", "1 of 2", 1, T0.AddMinutes(2));
        var ready = Assert.Single(list);
        Assert.Equal(("True", "ReplicasReady", T0.AddMinutes(2)), (ready.Status, ready.Reason, ready.LastTransitionTime));
    }

    [Theory]
    [InlineData("QUEUE_TIMEOUT", "QueueTimeout")]
    [InlineData("RESULT_TOO_LARGE", "ResultTooLarge")]
    [InlineData("INVALID_PARAMS", "InvalidParams")]
    [InlineData("_", "Unknown")]
    public void Error_codes_become_camel_case_reasons(string code, string reason) =>
        Assert.Equal(reason, Conditions.ReasonOf(code));
}
