using System.Text.Json.Nodes;
using Nexus.Tests.Support;

namespace Nexus.Tests.EndToEnd;

/// <summary>
/// A SIGKILLed operator under `make run` comes back in the same pod (the node agent restarts the container, as a
/// kubelet does), so with the same POD_NAME, its Lease identity: it renews the Lease it held instead of waiting
/// for it to expire and acquiring it anew. Told apart without timing: a takeover sets a new acquireTime and counts
/// a transition; a renewal by the same holder changes neither.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class OperatorLeaseEndToEndTests(PlatformStack stack)
{
    [Fact]
    public async Task Restarted_operator_keeps_its_pod_name_and_takes_its_lease_back_as_the_same_holder()
    {
        using var kubectl = new Kubectl(stack.Kubeconfig);
        // The chart's Lease (its Role grants the operator only that name), as make run's Deployment passes it.
        var leaseName = await kubectl.OkAsync(null, "get", "deployment", "nexus-operator",
            "-o", "jsonpath={.spec.template.spec.containers[0].env[?(@.name==\"NEXUS_LEASE_NAME\")].value}");
        Assert.Equal("nexus-nexus-ai-jobs-operator-leader", leaseName);
        var before = await LocalPods.ReadyAsync(kubectl, LocalPods.Operator);
        var held = await Wait.ForAsync(async () => await LeaseAsync(kubectl, leaseName) is { } l && l.Holder == before.Name ? l : null,
            $"{leaseName} held by {before.Name}", TimeSpan.FromSeconds(60));

        var killedAt = DateTimeOffset.UtcNow; // from here on only the restarted process can renew
        var after = await LocalPods.KillAndWaitRestartAsync(kubectl, LocalPods.Operator, before);
        Assert.Equal(before.Name, after.Name);
        Assert.NotEqual(before.Pid, after.Pid);
        // The restarted process's identity is the pod's name, as the node agent passed it.
        var environ = (await File.ReadAllTextAsync($"/proc/{after.Pid}/environ")).Split('\0');
        Assert.Contains("POD_NAME=" + before.Name, environ);

        // Renewed by the new process (a renewTime after the kill), as the same holder.
        var renewed = await Wait.ForAsync(async () => await LeaseAsync(kubectl, leaseName) is { } l && l.RenewTime > killedAt && l.Holder == after.Name ? l : null,
            $"{leaseName} renewed after the restart", TimeSpan.FromSeconds(60));
        Assert.True(renewed.AcquireTime == held.AcquireTime && renewed.Transitions == held.Transitions,
            $"the lease was taken over (acquireTime {held.AcquireTime} -> {renewed.AcquireTime}, transitions {held.Transitions} -> {renewed.Transitions}), not renewed by its holder");
    }

    private sealed record Lease(string? Holder, DateTimeOffset? AcquireTime, DateTimeOffset RenewTime, int Transitions);

    private static async Task<Lease?> LeaseAsync(Kubectl kubectl, string name)
    {
        var (code, stdout, _) = await kubectl.RunAsync(null, "get", "lease", name, "-o", "json");
        if (code != 0) return null;
        var spec = JsonNode.Parse(stdout)!["spec"];
        if (spec?["renewTime"] is not { } renew) return null;
        return new Lease(spec["holderIdentity"]?.GetValue<string>(),
            spec["acquireTime"] is { } a ? DateTimeOffset.Parse(a.GetValue<string>()) : null,
            DateTimeOffset.Parse(renew.GetValue<string>()),
            spec["leaseTransitions"]?.GetValue<int>() ?? 0);
    }
}
