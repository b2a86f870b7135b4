using System.Net.Http.Headers;
using k8s;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Nexus.Gateway;
using Nexus.Gateway.Auth;
using Nexus.KubeApiServer;

namespace Nexus.Bench.Gateway;

/// <summary>
/// A fresh Kubernetes API stand-in and a gateway in this process on one history database, with one API key (for
/// the given tenants) that the gateway already knows, and a client using it.
/// </summary>
public sealed class GatewayRig : IAsyncDisposable
{
    public const string Body = """{"type":"pricing_recalculate","params":{"skus":["SKU-001","SKU-002"],"marketplace":"amazon_us","apply":false},"priority":"normal"}""";

    private GatewayRig(KubeApiServer.KubeApiServer kube, RunningGateway gateway, HttpClient http)
    {
        Kube = kube;
        Gateway = gateway;
        Http = http;
    }

    public KubeApiServer.KubeApiServer Kube { get; }
    public RunningGateway Gateway { get; }
    public HttpClient Http { get; }

    public static async Task<GatewayRig> StartAsync(string databaseUrl, int concurrency, IReadOnlyList<string> tenants)
    {
        var kube = await KubeApiServer.KubeApiServer.StartAsync(new KubeApiServerOptions { CrdPaths = { Paths.Crds }, RecordRequests = false });
        var gateway = await GatewayApp.StartAsync(new GatewayOptions
        {
            Urls = "http://127.0.0.1:0", KubeconfigPath = kube.KubeconfigPath, LogFormat = "none",
            MaxQueuedJobs = 10_000_000, MaxQueuedJobsPerTenant = 10_000_000,
            DatabaseUrl = databaseUrl,
            // One key drives the whole benchmark: its rate limit must not be what is measured.
            RateLimitPerSecond = Nexus.Gateway.RateLimiting.KeyRateLimit.MaxPerSecond, RateLimitBurst = Nexus.Gateway.RateLimiting.KeyRateLimit.MaxBurst,
        });
        await gateway.WaitReadyAsync(TimeSpan.FromSeconds(30));

        var key = await CreateKeyAsync(kube, tenants);
        var keys = gateway.Services.GetRequiredService<ApiKeyCache>();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (keys.FindByKey(key) is null)
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("the gateway did not see the API key");
            await Task.Delay(10);
        }
        var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = concurrency }) { BaseAddress = gateway.BaseAddress };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return new GatewayRig(kube, gateway, http);
    }

    /// <summary>Creates an API key Secret (read and write, for the given tenants) in the stand-in; returns the key.</summary>
    public static async Task<string> CreateKeyAsync(KubeApiServer.KubeApiServer kube, IReadOnlyList<string> tenants)
    {
        var key = ApiKeyFormat.NewKey();
        using var client = kube.CreateClient();
        await client.CoreV1.CreateNamespacedSecretAsync(ApiKeySecret.Build("bench", ApiKeyFormat.Hash(key), tenants, ["ai-jobs:read", "ai-jobs:write"], null), "default");
        return key;
    }

    public Task<HttpResponseMessage> DispatchAsync(string? idempotencyKey = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/ai-jobs") { Content = new StringContent(Body, Encoding.UTF8, "application/json") };
        request.Headers.Add(Authenticator.TenantHeader, "bench");
        if (idempotencyKey is not null) request.Headers.Add("Idempotency-Key", idempotencyKey);
        return Http.SendAsync(request);
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Gateway.DisposeAsync();
        await Kube.DisposeAsync();
    }
}
