using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using k8s.Models;
using Nexus.Crds.Entities;
using Nexus.Gateway;
using Nexus.Gateway.Auth;
using Nexus.Operator;
using Nexus.Shared;
using Nexus.Tests.Operator.Support;
using Nexus.Tests.Support;
using StandIn = Nexus.KubeApiServer.KubeApiServer;
using StandInOptions = Nexus.KubeApiServer.KubeApiServerOptions;

namespace Nexus.Tests.Rbac;

/// <summary>
/// The chart's own RBAC objects (rendered as <c>helm template</c> would) applied to the API stand-in with RBAC
/// enforced, and the real gateway and operator run in-process with their ServiceAccounts' tokens: every REST
/// operation and the whole job lifecycle work without a single refused request, and what the roles do not grant is
/// refused with kube-apiserver's 403.
/// </summary>
public sealed class ChartRbacTests
{
    private const string Release = "nexus";
    private const string Ns = "nexus-ai-jobs";
    private const string GatewaySa = "nexus-nexus-ai-jobs-gateway";
    private const string OperatorSa = "nexus-nexus-ai-jobs-operator";

    /// <summary>The Lease the chart's operator Deployment is configured with (its Role grants only that name).</summary>
    private static string _leaseName = "";

    private static async Task<StandIn> StartWithChartRbacAsync()
    {
        // The same objects and names make run takes from the chart.
        var (rbac, operatorAccount, gatewayAccount, leaseName) = await ChartRender.IdentitiesAsync(Release, Ns, "database.url=postgresql://nexus@db.example:5432/nexus");
        Assert.Equal((OperatorSa, GatewaySa, "nexus-nexus-ai-jobs-operator-leader"), (operatorAccount, gatewayAccount, leaseName));
        _leaseName = leaseName;
        var server = await StandIn.StartAsync(new StandInOptions
        {
            EnforceRbac = true, Namespaces = { Ns }, CrdPaths = { RepoPaths.Of("crds") }, RecordRequests = false,
        });
        server.ApplyYaml(rbac);
        return server;
    }

    [Fact]
    public async Task The_gateway_and_the_operator_run_a_job_lifecycle_with_exactly_the_charts_permissions()
    {
        await using var server = await StartWithChartRbacAsync();
        using var admin = new KubeApi(server.ClientConfiguration());
        await using var worker = await FakeWorker.StartAsync();
        // The first job hangs, so with one slot the second stays queued and can be cancelled.
        var hang = true;
        worker.Behave = (_, _, _) =>
        {
            var h = hang;
            hang = false;
            return h ? new FakeBehaviour { Hang = true } : new FakeBehaviour { Result = System.Text.Json.Nodes.JsonNode.Parse("""{"ok":true}""") };
        };
        await admin.CreateAsync(ResourceKind.WorkerPool.Collection(Ns), new WorkerPool
        {
            Metadata = new V1ObjectMeta { Name = "pool", NamespaceProperty = Ns },
            Spec = new WorkerPoolSpec { JobTypes = JobTypes.All.ToList(), StaticEndpoints = [worker.Url], ConcurrencyPerReplica = 1, MaxReplicas = 1 },
        }, default);
        var key = ApiKeyFormat.NewKey();
        await admin.CreateAsync(ResourceKind.Secret.Collection(Ns),
            ApiKeySecret.Build("key-acme", ApiKeyFormat.Hash(key), ["acme"], ["ai-jobs:read", "ai-jobs:write"], null), default);

        var operatorConfig = server.WriteServiceAccountKubeconfig(Ns, OperatorSa);
        var gatewayConfig = server.WriteServiceAccountKubeconfig(Ns, GatewaySa);
        try
        {
            var database = await (await PostgresServer.SharedAsync()).CreateDatabaseAsync("rbac");
            await using var op = await OperatorHost.StartAsync(new OperatorOptions
            {
                DatabaseUrl = database,
                Namespace = Ns, Kubeconfig = operatorConfig, ListenUrl = "http://127.0.0.1:0", Identity = "op-rbac", LeaseName = _leaseName,
                LeaseDuration = TimeSpan.FromSeconds(3), RenewDeadline = TimeSpan.FromSeconds(2), RetryPeriod = TimeSpan.FromMilliseconds(300),
                WatchReconnectMinDelay = TimeSpan.FromMilliseconds(50), WatchReconnectMaxDelay = TimeSpan.FromSeconds(1),
                PoolResyncInterval = TimeSpan.FromMilliseconds(200), PollInterval = TimeSpan.FromMilliseconds(100),
                InitialStatusDelay = TimeSpan.FromMilliseconds(200), RetryBaseDelay = TimeSpan.FromMilliseconds(100),
                RetryMaxDelay = TimeSpan.FromSeconds(1), WorkerRequestTimeout = TimeSpan.FromSeconds(5),
            });
            await using var gateway = await GatewayApp.StartAsync(new GatewayOptions
            {
                DatabaseUrl = database,
                Urls = "http://127.0.0.1:0", Namespace = Ns, KubeconfigPath = gatewayConfig, LogFormat = "none", WatchTimeoutSeconds = 30,
            });
            await gateway.WaitReadyAsync(TimeSpan.FromSeconds(30));
            await Wait.UntilAsync(() => op.Term is not null, "the operator to lead", TimeSpan.FromSeconds(20));
            using var http = new HttpClient { BaseAddress = gateway.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };

            async Task<(int Code, JsonElement Body)> Send(HttpMethod method, string path, object? body = null, string? idempotencyKey = null)
            {
                using var request = new HttpRequestMessage(method, path);
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
                if (idempotencyKey is not null) request.Headers.Add("Idempotency-Key", idempotencyKey);
                if (body is not null) request.Content = new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");
                using var response = await http.SendAsync(request);
                var text = await response.Content.ReadAsStringAsync();
                return ((int)response.StatusCode, text.Length > 0 ? JsonDocument.Parse(text).RootElement.Clone() : default);
            }
            async Task<string> StatusOf(string id) => (await Send(HttpMethod.Get, $"/api/ai-jobs/{id}")).Body.GetProperty("data").GetProperty("status").GetString()!;

            var hung = await Send(HttpMethod.Post, "/api/ai-jobs", Nexus.Tests.Gateway.GatewayHarness.PricingBody(), idempotencyKey: "first");
            Assert.True(hung.Code == 202, hung.Body.ToString());
            var hungId = hung.Body.GetProperty("data").GetProperty("id").GetString()!;
            await Wait.UntilAsync(async () => await StatusOf(hungId) == "running", "the first job to run");
            // Replayed from the idempotency record, not dispatched twice.
            var replay = await Send(HttpMethod.Post, "/api/ai-jobs", Nexus.Tests.Gateway.GatewayHarness.PricingBody(), idempotencyKey: "first");
            Assert.Equal(hungId, replay.Body.GetProperty("data").GetProperty("id").GetString());

            var queued = (await Send(HttpMethod.Post, "/api/ai-jobs", Nexus.Tests.Gateway.GatewayHarness.PricingBody())).Body.GetProperty("data").GetProperty("id").GetString()!;
            Assert.Equal("queued", await StatusOf(queued));
            var cancel = await Send(HttpMethod.Delete, $"/api/ai-jobs/{queued}");
            Assert.Equal(204, cancel.Code);
            await Wait.UntilAsync(async () => await StatusOf(queued) == "cancelled", "the queued job to be cancelled");
            Assert.Equal(200, (await Send(HttpMethod.Get, "/api/ai-jobs")).Code);

            // The hung attempt's deadline is far away: let the worker forget it so the slot frees as a lost attempt.
            worker.ForgetAll();
            var batch = await Send(HttpMethod.Post, "/api/ai-jobs/batch", new
            {
                jobs = new object[]
                {
                    new { type = "competitor_scan", @params = new { skus = new[] { "SKU-001" }, marketplace = "amazon_us" } },
                    new { type = "pricing_recalculate", @params = new { skus = new[] { "SKU-001" }, marketplace = "amazon_us", apply = true } },
                },
                sequential = true,
            });
            Assert.True(batch.Code == 202, batch.Body.ToString());
            var batchId = batch.Body.GetProperty("data").GetProperty("batch_id").GetString()!;
            await Wait.UntilAsync(async () =>
                (await Send(HttpMethod.Get, $"/api/ai-jobs/batch/{batchId}")).Body.GetProperty("data").GetProperty("status").GetString() == "completed",
                "the batch to complete", TimeSpan.FromSeconds(60));
            await Wait.UntilAsync(async () => await StatusOf(hungId) == "completed", "the retried first job to complete", TimeSpan.FromSeconds(60));

            Assert.Empty(server.Requests.Denials);
        }
        catch (Exception e) when (server.Requests.Denials.Count > 0)
        {
            // Name what the chart's roles lacked: the refused requests, with kube-apiserver's messages.
            throw new InvalidOperationException($"{e.Message}\nrefused requests:\n{string.Join("\n", server.Requests.Denials.Distinct())}", e);
        }
        finally
        {
            File.Delete(operatorConfig);
            File.Delete(gatewayConfig);
        }
    }

    [Fact]
    public async Task What_the_roles_do_not_grant_is_forbidden_as_a_real_server_forbids_it()
    {
        await using var server = await StartWithChartRbacAsync();
        using var admin = new KubeApi(server.ClientConfiguration());
        await admin.CreateAsync(ResourceKind.WorkerPool.Collection(Ns), new WorkerPool
        {
            Metadata = new V1ObjectMeta { Name = "pool", NamespaceProperty = Ns },
            Spec = new WorkerPoolSpec { JobTypes = JobTypes.All.ToList(), StaticEndpoints = ["http://127.0.0.1:1"] },
        }, default);
        var gatewayConfig = server.WriteServiceAccountKubeconfig(Ns, GatewaySa);
        var operatorConfig = server.WriteServiceAccountKubeconfig(Ns, OperatorSa);
        try
        {
            using var gateway = new KubeApi(KubeApi.LoadConfig(gatewayConfig));
            using var op = new KubeApi(KubeApi.LoadConfig(operatorConfig));
            var e = await Assert.ThrowsAsync<KubeApiException>(() => gateway.DeleteAsync(ResourceKind.WorkerPool.Item(Ns, "pool"), null, default));
            Assert.Equal(System.Net.HttpStatusCode.Forbidden, e.Status);
            Assert.Equal("Forbidden", e.Reason);
            Assert.Equal($"workerpools.nexus.ai \"pool\" is forbidden: User \"system:serviceaccount:{Ns}:{GatewaySa}\" cannot delete resource " +
                $"\"workerpools\" in API group \"nexus.ai\" in the namespace \"{Ns}\"", e.StatusMessage);

            // Only the operator writes status; the gateway cannot.
            var status = await Assert.ThrowsAsync<KubeApiException>(() =>
                gateway.MergePatchAsync<AiJob>(ResourceKind.AiJob.Item(Ns, "job-x") + "/status", new { status = new { phase = "Completed" } }, default));
            Assert.Contains("cannot patch resource \"aijobs/status\"", status.StatusMessage);
            // API keys are Secrets the gateway reads but cannot write (keys are created by an administrator).
            var secret = await Assert.ThrowsAsync<KubeApiException>(() => gateway.CreateAsync(ResourceKind.Secret.Collection(Ns),
                ApiKeySecret.Build("key-x", ApiKeyFormat.Hash("k"), ["acme"], ["ai-jobs:read"], null), default));
            Assert.Contains("cannot create resource \"secrets\" in API group \"\"", secret.StatusMessage);
            // The operator never reads API keys, nor anything outside its namespace.
            Assert.Equal(System.Net.HttpStatusCode.Forbidden, (await Assert.ThrowsAsync<KubeApiException>(() =>
                op.ListAsync<V1Secret>(ResourceKind.Secret.Collection(Ns), null, 10, default))).Status);
            Assert.Equal(System.Net.HttpStatusCode.Forbidden, (await Assert.ThrowsAsync<KubeApiException>(() =>
                op.ListAsync<AiJob>(ResourceKind.AiJob.Collection("default"), null, 10, default))).Status);
            // Its Lease rule is bound to the chart's one Lease name.
            var lease = await Assert.ThrowsAsync<KubeApiException>(() => op.GetAsync<V1Lease>(ResourceKind.Lease.Item(Ns, "someone-elses-lease"), default));
            Assert.Contains("cannot get resource \"leases\" in API group \"coordination.k8s.io\"", lease.StatusMessage);
            Assert.True(server.Requests.Denials.Count == 6, string.Join("\n", server.Requests.Denials));

            // What the lifecycle above did not touch but the operator does in a cluster is granted too: scaling a
            // pool's Deployment, reading its EndpointSlices.
            server.ApplyYaml($"""
                apiVersion: apps/v1
                kind: Deployment
                metadata: {"{"}name: workers, namespace: {Ns}{"}"}
                spec:
                  replicas: 1
                  selector: {"{"}matchLabels: {"{"}app: workers{"}"}{"}"}
                  template:
                    metadata: {"{"}labels: {"{"}app: workers{"}"}{"}"}
                    spec: {"{"}containers: [{"{"}name: w, image: w{"}"}]{"}"}
                """);
            var scale = ResourceKind.Deployment.Item(Ns, "workers") + "/scale";
            Assert.NotNull(await op.GetAsync<V1Scale>(scale, default));
            Assert.Equal(2, (await op.MergePatchAsync<V1Scale>(scale, new { spec = new { replicas = 2 } }, default)).Spec.Replicas);
            Assert.NotNull(await op.GetAsync<V1EndpointSliceList>(ResourceKind.EndpointSlice.Collection(Ns), default));
            // Results and idempotency keys live in the history database: neither service may touch ConfigMaps.
            var resultMap = new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "result-x" }, Data = new Dictionary<string, string> { ["r"] = "1" } };
            Assert.Equal(System.Net.HttpStatusCode.Forbidden, (await Assert.ThrowsAsync<KubeApiException>(() =>
                op.CreateAsync(ResourceKind.ConfigMap.Collection(Ns), resultMap, default))).Status);
            Assert.Equal(System.Net.HttpStatusCode.Forbidden, (await Assert.ThrowsAsync<KubeApiException>(() =>
                gateway.GetAsync<V1ConfigMap>(ResourceKind.ConfigMap.Item(Ns, "result-x"), default))).Status);
            Assert.Equal(8, server.Requests.Denials.Count);
        }
        finally
        {
            File.Delete(gatewayConfig);
            File.Delete(operatorConfig);
        }
    }
}
