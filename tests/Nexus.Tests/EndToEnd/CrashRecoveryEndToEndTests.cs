using System.Net;
using Nexus.Crds.Entities;
using Nexus.Tests.Support;

namespace Nexus.Tests.EndToEnd;

/// <summary>
/// SIGKILL of the operator or the gateway under `make run` (an OOM kill, a node hiccup): the node agent restarts
/// the container in its pod, the platform stays up and every job still completes exactly once.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class CrashRecoveryEndToEndTests(PlatformStack stack)
{
    [Fact]
    public async Task Killed_operator_is_restarted_and_every_job_completes_in_one_attempt()
    {
        using var api = new JobsApi(stack.Gateway, stack.ApiKey, stack.Tenant);
        using var kubectl = new Kubectl(stack.Kubeconfig);
        var names = new List<string>();
        for (var i = 0; i < 3; i++) names.Add(await QueueEndToEndTests.CreateJobAsync(kubectl, "pricing_recalculate", "normal", sleepSeconds: 3));
        await api.WaitStatusAsync(ResourceIds.JobIdFromName(names[0]), "running");

        var restarted = await LocalPods.KillAndWaitRestartAsync(kubectl, LocalPods.Operator);
        Assert.Equal(137, restarted.LastExitCode);
        // Dispatched while the old process is gone and the new one takes over.
        names.Add(await QueueEndToEndTests.CreateJobAsync(kubectl, "pricing_recalculate", "normal"));

        await AssertCompletedOnceAsync(api, kubectl, names);
    }

    [Fact]
    public async Task Killed_gateway_is_restarted_on_the_same_address_and_every_job_completes_in_one_attempt()
    {
        using var api = new JobsApi(stack.Gateway, stack.ApiKey, stack.Tenant);
        using var kubectl = new Kubectl(stack.Kubeconfig);
        var names = new List<string>();
        for (var i = 0; i < 3; i++) names.Add(await QueueEndToEndTests.CreateJobAsync(kubectl, "review_sentiment", "normal", sleepSeconds: 2));
        var before = await api.DispatchOkAsync(new { type = "review_sentiment", @params = new { skus = new[] { "SKU-030" } } });

        var restarted = await LocalPods.KillAndWaitRestartAsync(kubectl, LocalPods.Gateway);
        Assert.Equal(137, restarted.LastExitCode);
        // The same printed URL serves again: the job dispatched before the crash is there, and a new one is accepted.
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync(before)).Status);
        var after = await api.DispatchOkAsync(new { type = "review_sentiment", @params = new { skus = new[] { "SKU-031" } } });

        names.AddRange(new[] { before, after }.Select(id => ResourceIds.TryJobNameFromId(id, out var name) ? name : throw new InvalidOperationException(id)));
        await AssertCompletedOnceAsync(api, kubectl, names);
    }

    private static async Task AssertCompletedOnceAsync(JobsApi api, Kubectl kubectl, IEnumerable<string> names)
    {
        foreach (var name in names)
        {
            var done = await api.WaitTerminalAsync(ResourceIds.JobIdFromName(name));
            Assert.True(done["status"]!.GetValue<string>() == "completed", $"job {name} ended {done}");
            var attempts = await kubectl.OkAsync(null, "get", "aijob", name, "-o", "jsonpath={.status.attempts}");
            Assert.True(attempts == "1", $"job {name} took {attempts} attempts; a crash of the operator or gateway must not run it again");
        }
    }
}
