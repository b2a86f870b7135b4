using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using k8s.Models;
using Microsoft.Extensions.DependencyInjection;
using Nexus.Crds.Entities;
using Nexus.Gateway;
using Nexus.Gateway.Auth;
using Nexus.Shared;
using Nexus.Tests.Support;

namespace Nexus.Tests.Gateway;

/// <summary>
/// The real gateway in front of an API stand-in that loses Secrets, goes away and comes back on the same address:
/// keys whose Secret is gone stop authenticating, jobs the server no longer has are not served, readiness is false
/// during the outage and true again after it, liveness never changes.
/// </summary>
public sealed class ApiServerOutageTests
{
    private const string Ns = "default";

    private sealed class Harness : IAsyncDisposable
    {
        public required RestartableStandIn StandIn { get; init; }
        public required RunningGateway Gateway { get; init; }
        public required HttpClient Http { get; init; }

        public ApiKeyCache Keys => Gateway.Services.GetRequiredService<ApiKeyCache>();

        public async Task<int> StatusAsync(HttpMethod method, string path, string? key, object? body = null)
        {
            using var request = new HttpRequestMessage(method, path);
            if (key is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
            if (body is not null) request.Content = new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");
            using var response = await Http.SendAsync(request);
            return (int)response.StatusCode;
        }

        public async Task<string> CreateKeyAsync(string name)
        {
            var key = ApiKeyFormat.NewKey();
            var secret = ApiKeySecret.Build(name, ApiKeyFormat.Hash(key), ["acme"], ["ai-jobs:read", "ai-jobs:write"], null);
            using var api = new KubeApi(KubeApi.LoadConfig(StandIn.KubeconfigPath));
            await api.CreateAsync(ResourceKind.Secret.Collection(Ns), secret, default);
            await Wait.UntilAsync(() => Keys.FindByKey(key) is not null, "the gateway to see the new key");
            return key;
        }

        public async Task<string> DispatchAsync(string key)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/ai-jobs");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
            request.Content = new StringContent(JsonSerializer.Serialize(GatewayHarness.PricingBody()), Encoding.UTF8, "application/json");
            using var response = await Http.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            Assert.True((int)response.StatusCode == 202, text);
            return JsonDocument.Parse(text).RootElement.GetProperty("data").GetProperty("id").GetString()!;
        }

        public async ValueTask DisposeAsync()
        {
            Http.Dispose();
            await Gateway.DisposeAsync();
            await StandIn.DisposeAsync();
        }
    }

    private static async Task<Harness> StartAsync(Action<Nexus.KubeApiServer.KubeApiServerOptions>? tune = null)
    {
        var standIn = await RestartableStandIn.StartAsync(o =>
        {
            o.ResourceVersionWait = TimeSpan.FromMilliseconds(200);
            tune?.Invoke(o);
        });
        var database = await (await PostgresServer.SharedAsync()).CreateDatabaseAsync("outage");
        var gateway = await GatewayApp.StartAsync(new GatewayOptions
        {
            DatabaseUrl = database,
            Urls = "http://127.0.0.1:0", Namespace = Ns, KubeconfigPath = standIn.KubeconfigPath, LogFormat = "none", WatchTimeoutSeconds = 30,
        });
        await gateway.WaitReadyAsync(TimeSpan.FromSeconds(30));
        return new Harness { StandIn = standIn, Gateway = gateway, Http = new HttpClient { BaseAddress = gateway.BaseAddress, Timeout = TimeSpan.FromSeconds(60) } };
    }

    [Fact]
    public async Task A_key_whose_secret_is_deleted_is_refused_at_once()
    {
        await using var h = await StartAsync();
        var key = await h.CreateKeyAsync("key-doomed");
        Assert.Equal(200, await h.StatusAsync(HttpMethod.Get, "/api/ai-jobs", key));

        using (var api = new KubeApi(KubeApi.LoadConfig(h.StandIn.KubeconfigPath)))
            Assert.True(await api.DeleteAsync(ResourceKind.Secret.Item(Ns, "key-doomed"), null, default));

        await Wait.UntilAsync(async () => await h.StatusAsync(HttpMethod.Get, "/api/ai-jobs", key) == 401, "the deleted key to be refused");
    }

    [Fact]
    public async Task A_key_whose_secret_is_being_deleted_or_loses_its_label_is_refused()
    {
        await using var h = await StartAsync();
        var held = await h.CreateKeyAsync("key-held");
        var relabelled = await h.CreateKeyAsync("key-relabelled");
        using var api = new KubeApi(KubeApi.LoadConfig(h.StandIn.KubeconfigPath));

        // A finalizer keeps the Secret listed with a deletionTimestamp: the key is on its way out already.
        await api.MergePatchAsync<V1Secret>(ResourceKind.Secret.Item(Ns, "key-held"), new { metadata = new { finalizers = new[] { "example.com/hold" } } }, default);
        await api.DeleteAsync(ResourceKind.Secret.Item(Ns, "key-held"), null, default);
        // Without the label the Secret leaves the watched selection (the watch reports it DELETED).
        await api.MergePatchAsync<V1Secret>(ResourceKind.Secret.Item(Ns, "key-relabelled"),
            new Dictionary<string, object> { ["metadata"] = new { labels = new Dictionary<string, string?> { [ApiKeySecret.Label] = null } } }, default);

        await Wait.UntilAsync(async () => await h.StatusAsync(HttpMethod.Get, "/api/ai-jobs", held) == 401, "the key being deleted to be refused");
        await Wait.UntilAsync(async () => await h.StatusAsync(HttpMethod.Get, "/api/ai-jobs", relabelled) == 401, "the unlabelled key to be refused");
        await api.MergePatchAsync<V1Secret>(ResourceKind.Secret.Item(Ns, "key-held"), new { metadata = new { finalizers = Array.Empty<string>() } }, default);
    }

    [Fact]
    public async Task A_restarted_empty_server_takes_its_keys_and_jobs_with_it_and_readiness_follows_the_outage()
    {
        await using var h = await StartAsync();
        var key = await h.CreateKeyAsync("key-before");
        var job = await h.DispatchAsync(key);
        Assert.Equal(200, await h.StatusAsync(HttpMethod.Get, $"/api/ai-jobs/{job}", key));
        Assert.Equal(200, await h.StatusAsync(HttpMethod.Get, "/readyz", null));

        await h.StandIn.StopAsync();
        await Wait.UntilAsync(async () => await h.StatusAsync(HttpMethod.Get, "/readyz", null) == 503,
            "readiness to turn false past the grace", ApiServerHealth.DefaultGrace + TimeSpan.FromSeconds(15));
        Assert.Equal(200, await h.StatusAsync(HttpMethod.Get, "/healthz", null)); // liveness: no restart storm

        await h.StandIn.StartAgainAsync(); // state lost: no Secret, no job
        await Wait.UntilAsync(async () => await h.StatusAsync(HttpMethod.Get, "/readyz", null) == 200, "readiness back",
            TimeSpan.FromSeconds(20));
        await Wait.UntilAsync(() => h.Keys.FindByKey(key) is null, "the vanished key to be dropped", TimeSpan.FromSeconds(20));
        Assert.Equal(401, await h.StatusAsync(HttpMethod.Get, $"/api/ai-jobs/{job}", key));

        // A key of the new server works, the old job is not served, and new jobs are accepted.
        var fresh = await h.CreateKeyAsync("key-after");
        Assert.Equal(404, await h.StatusAsync(HttpMethod.Get, $"/api/ai-jobs/{job}", fresh));
        var next = await h.DispatchAsync(fresh);
        Assert.Equal(200, await h.StatusAsync(HttpMethod.Get, $"/api/ai-jobs/{next}", fresh));
        Assert.Equal(200, await h.StatusAsync(HttpMethod.Get, "/healthz", null));
    }
}
