using System.Text.Json.Nodes;
using Nexus.Tests.Support;

namespace Nexus.Tests.EndToEnd;

/// <summary>One pod as `kubectl get pods -o json` shows it; the node agent's containerID is local://PID.</summary>
public sealed record LocalPod(string Name, int? Pid, bool Ready, int Restarts, int? LastExitCode)
{
    public static LocalPod From(JsonNode pod)
    {
        var status = pod["status"]?["containerStatuses"]?[0];
        var id = status?["containerID"]?.GetValue<string>();
        return new LocalPod(
            pod["metadata"]!["name"]!.GetValue<string>(),
            id is not null && id.StartsWith("local://", StringComparison.Ordinal) ? int.Parse(id["local://".Length..]) : null,
            status?["ready"]?.GetValue<bool>() ?? false,
            status?["restartCount"]?.GetValue<int>() ?? 0,
            status?["lastState"]?["terminated"]?["exitCode"]?.GetValue<int>());
    }
}

/// <summary>The pods the node agent runs for the platform, read with the real kubectl.</summary>
public static class LocalPods
{
    public const string Operator = "app.kubernetes.io/name=nexus-operator";
    public const string Gateway = "app.kubernetes.io/name=nexus-gateway";

    public static string OfPool(string jobType) => "app.kubernetes.io/instance=" + PlatformStack.PoolName(jobType);

    public static async Task<IReadOnlyList<LocalPod>> ListAsync(Kubectl kubectl, string selector)
    {
        var json = JsonNode.Parse(await kubectl.OkAsync(null, "get", "pods", "-l", selector, "-o", "json"))!;
        return json["items"]!.AsArray().Select(p => LocalPod.From(p!)).ToList();
    }

    /// <summary>The single running, ready pod the selector matches.</summary>
    public static Task<LocalPod> ReadyAsync(Kubectl kubectl, string selector, TimeSpan? timeout = null) =>
        Wait.ForAsync(async () => (await ListAsync(kubectl, selector)) is [{ Ready: true, Pid: not null } pod] ? pod : null,
            $"one ready pod of {selector}", timeout ?? TimeSpan.FromSeconds(60));

    /// <summary>SIGKILLs the pod's process (an OOM kill or a crash) and waits for the agent to restart it and for it to be ready.</summary>
    public static async Task<LocalPod> KillAndWaitRestartAsync(Kubectl kubectl, string selector, TimeSpan? timeout = null) =>
        await KillAndWaitRestartAsync(kubectl, selector, await ReadyAsync(kubectl, selector), timeout);

    /// <summary>As above, for a pod read beforehand (so the kill lands at once, e.g. while a short job runs).</summary>
    public static async Task<LocalPod> KillAndWaitRestartAsync(Kubectl kubectl, string selector, LocalPod before, TimeSpan? timeout = null)
    {
        Signals.Send(before.Pid!.Value, Signals.Sigkill);
        return await Wait.ForAsync(async () =>
                (await ListAsync(kubectl, selector)) is [{ Ready: true, Pid: not null } pod] && pod.Name == before.Name && pod.Restarts > before.Restarts
                    ? pod : null,
            $"{before.Name} restarted after SIGKILL", timeout ?? TimeSpan.FromSeconds(90));
    }
}
