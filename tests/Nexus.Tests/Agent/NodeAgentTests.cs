using k8s;
using k8s.Models;
using Nexus.Tests.Support;

namespace Nexus.Tests.Agent;

/// <summary>The node agent against the real stand-in, with real processes.</summary>
public sealed class NodeAgentTests
{
    [Fact]
    public async Task Crashing_container_is_restarted_with_the_kubelet_back_off_on_the_agents_clock()
    {
        var clock = new FakeClock(new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        await using var h = await AgentHarness.StartAsync(clock);
        await h.Kube.AppsV1.CreateNamespacedDeploymentAsync(AgentHarness.Deployment("crasher", 1, "exit 3"), "default");

        // Each round: wait (syncing) for the crash to be seen, check the advertised delay, show that one tick short
        // of it does not restart, and that reaching it does.
        async Task<V1ContainerStatus> SyncUntil(Func<V1ContainerStatus, bool> done, string what) =>
            await Wait.ForAsync(async () =>
            {
                await h.Agent.SyncOnceAsync(CancellationToken.None);
                var pod = (await h.PodsAsync("crasher")).SingleOrDefault();
                return pod?.Status?.ContainerStatuses?.FirstOrDefault() is { } s && done(s) ? s : null;
            }, what);

        var first = await SyncUntil(s => s.RestartCount == 1, "the first restart, at once");
        var delays = new List<string>();
        for (var restart = 1; restart <= 7; restart++)
        {
            var waiting = await SyncUntil(s => s.State?.Waiting?.Reason == "CrashLoopBackOff" && s.RestartCount == restart, $"back-off after restart {restart}");
            Assert.Equal(3, waiting.LastState?.Terminated?.ExitCode);
            var delay = waiting.State.Waiting.Message.Split(' ')[1];
            delays.Add(delay);
            var seconds = delay switch { "10s" => 10, "20s" => 20, "40s" => 40, "1m20s" => 80, "2m40s" => 160, "5m0s" => 300, _ => throw new InvalidOperationException(delay) };

            clock.Advance(TimeSpan.FromSeconds(seconds) - TimeSpan.FromMilliseconds(10));
            await h.Agent.SyncOnceAsync(CancellationToken.None);
            Assert.Equal(restart, h.Agent.Pods.Values.Single().Status().ContainerStatuses[0].RestartCount);
            clock.Advance(TimeSpan.FromMilliseconds(10));
            await SyncUntil(s => s.RestartCount == restart + 1, $"restart {restart + 1}");
        }
        Assert.NotNull(first);
        Assert.Equal(["10s", "20s", "40s", "1m20s", "2m40s", "5m0s", "5m0s"], delays);
    }

    [Fact]
    public async Task Endpoint_is_ready_in_the_services_slice_only_once_the_readiness_probe_passes()
    {
        await using var h = await AgentHarness.StartAsync();
        var readyFile = Path.Combine(h.Dir, "ready");
        var script = Path.Combine(h.Dir, "server.py");
        await File.WriteAllTextAsync(script, """
            import http.server, os
            class H(http.server.BaseHTTPRequestHandler):
                def do_GET(self):
                    self.send_response(200 if os.path.exists(os.environ["READY_FILE"]) else 503)
                    self.end_headers()
                def log_message(self, *args):
                    pass
            http.server.HTTPServer(("127.0.0.1", int(os.environ["PORT"])), H).serve_forever()
            """);
        var deployment = AgentHarness.Deployment("web", 1, $"exec /usr/bin/python3 {script}",
            new V1Probe { HttpGet = new V1HTTPGetAction { Path = "/ready", Port = "http" }, PeriodSeconds = 1, FailureThreshold = 1 });
        deployment.Spec.Template.Spec.Containers[0].Env = [new V1EnvVar { Name = "READY_FILE", Value = readyFile }];
        await h.Kube.AppsV1.CreateNamespacedDeploymentAsync(deployment, "default");
        await h.Kube.CoreV1.CreateNamespacedServiceAsync(new V1Service
        {
            Metadata = new V1ObjectMeta { Name = "web" },
            Spec = new V1ServiceSpec
            {
                Selector = new Dictionary<string, string> { ["app"] = "web" },
                Ports = [new V1ServicePort { Name = "http", Port = 80, TargetPort = "http" }],
            },
        }, "default");
        h.Run();

        async Task<V1EndpointSlice?> Slice() =>
            (await h.Kube.DiscoveryV1.ListNamespacedEndpointSliceAsync("default", labelSelector: "kubernetes.io/service-name=web")).Items.SingleOrDefault();
        // Running and probed (the probe has answered 503) but not ready: listed, not ready.
        var notReady = await Wait.ForAsync(async () =>
            (await Slice()) is { Endpoints: [{ Conditions.Ready: false }] } s &&
            (await h.PodsAsync("web")).Single().Status?.Phase == "Running" ? s : null, "a not-ready endpoint");
        var port = notReady.Ports.Single().Port!.Value;
        using (var http = new HttpClient())
        {
            await Wait.UntilAsync(async () =>
            {
                try { return (int)(await http.GetAsync($"http://127.0.0.1:{port}/ready")).StatusCode == 503; }
                catch (HttpRequestException) { return false; } // not listening yet
            }, "the server to answer its probe path with 503");
        }
        Assert.False((await Slice())!.Endpoints.Single().Conditions.Ready, "endpoint ready while its probe answers 503");
        var deploymentStatus = (await h.Kube.AppsV1.ReadNamespacedDeploymentAsync("web", "default")).Status;
        Assert.True((deploymentStatus?.ReadyReplicas ?? 0) == 0, "deployment reports a ready replica before its probe passed");

        await File.WriteAllTextAsync(readyFile, "");
        var ready = await Wait.ForAsync(async () => (await Slice()) is { Endpoints: [{ Conditions.Ready: true }] } s ? s : null, "a ready endpoint");
        Assert.Equal("127.0.0.1", ready.Endpoints[0].Addresses.Single());
        Assert.Equal("Pod", ready.Endpoints[0].TargetRef.Kind);
        await Wait.UntilAsync(async () => (await h.Kube.AppsV1.ReadNamespacedDeploymentAsync("web", "default")).Status is
            { ReadyReplicas: 1, AvailableReplicas: 1, Replicas: 1, ObservedGeneration: 1 }, "deployment status with one ready replica");
        var pod = (await h.PodsAsync("web")).Single();
        Assert.Equal("True", pod.Status.Conditions.Single(c => c.Type == "Ready").Status);
        Assert.Equal("127.0.0.1", pod.Status.PodIP);
    }

    [Fact]
    public async Task Scale_down_sends_SIGTERM_and_kills_a_pod_that_ignores_it_after_its_grace_period()
    {
        await using var h = await AgentHarness.StartAsync();
        var terms = Path.Combine(h.Dir, "terms");
        // Replicas that leave on SIGTERM, noting it; and one deployment whose replicas ignore SIGTERM.
        await h.Kube.AppsV1.CreateNamespacedDeploymentAsync(AgentHarness.Deployment("polite", 2,
            $"trap 'echo $PORT >> {terms}; exit 0' TERM; while :; do sleep 0.1; done"), "default");
        await h.Kube.AppsV1.CreateNamespacedDeploymentAsync(AgentHarness.Deployment("stubborn", 1,
            "trap '' TERM; while :; do sleep 0.1; done", grace: 1), "default");
        h.Run();
        await Wait.UntilAsync(async () => (await h.PodsAsync("polite")).Count(p => p.Status?.Phase == "Running") == 2 &&
                                          (await h.PodsAsync("stubborn")).Count(p => p.Status?.Phase == "Running") == 1, "three running pods");

        await h.Kube.AppsV1.PatchNamespacedDeploymentScaleAsync(new V1Patch("""{"spec":{"replicas":1}}""", V1Patch.PatchType.MergePatch), "polite", "default");
        await h.Kube.AppsV1.PatchNamespacedDeploymentScaleAsync(new V1Patch("""{"spec":{"replicas":0}}""", V1Patch.PatchType.MergePatch), "stubborn", "default");

        await Wait.UntilAsync(async () => (await h.PodsAsync("polite")).Count == 1, "polite scaled to one pod");
        await Wait.UntilAsync(() => File.Exists(terms) && File.ReadAllLines(terms).Length == 1, "the removed replica to note its SIGTERM");
        await Wait.UntilAsync(async () => (await h.PodsAsync("stubborn")).Count == 0, "stubborn pod killed after its grace period");
        Assert.Single(File.ReadAllLines(terms));
        await Wait.UntilAsync(async () => (await h.Kube.AppsV1.ReadNamespacedDeploymentAsync("polite", "default")).Status is { Replicas: 1, ObservedGeneration: 2 },
            "polite's status at one replica");
    }
}
