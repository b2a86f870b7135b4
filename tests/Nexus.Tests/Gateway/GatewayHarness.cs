using Microsoft.Extensions.DependencyInjection;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using k8s;
using k8s.Models;
using Nexus.Crds.Entities;
using Nexus.Gateway;
using Nexus.Gateway.Auth;
using Nexus.Gateway.Cache;
using Nexus.KubeApiServer;
using Nexus.Operator.Archive;
using Nexus.Shared.History;
using Nexus.Tests.Support;

namespace Nexus.Tests.Gateway;

/// <summary>
/// The real gateway on 127.0.0.1 in front of the Kubernetes API stand-in (both over real HTTP) and a fresh history
/// database of its own on the test run's PostgreSQL, plus helpers to create API keys, send API requests and play the
/// operator's part (status writes, archiving) in tests.
/// </summary>
public sealed class GatewayHarness : IAsyncDisposable
{
    public const string Namespace = "default";

    private GatewayHarness(Nexus.KubeApiServer.KubeApiServer kube, RunningGateway gateway, Kubernetes client, GatewayOptions options,
        PostgresServer postgres)
    {
        Postgres = postgres;
        History = new HistoryDatabase(new HistoryOptions { ConnectionString = options.DatabaseUrl!, ConnectTimeout = TimeSpan.FromSeconds(2) });
        Kube = kube;
        Gateway = gateway;
        Client = client;
        Options = options;
        Http = new HttpClient { BaseAddress = gateway.BaseAddress, Timeout = TimeSpan.FromSeconds(90) };
    }

    public Nexus.KubeApiServer.KubeApiServer Kube { get; }

    /// <summary>The PostgreSQL server the history database is on.</summary>
    public PostgresServer Postgres { get; }

    /// <summary>The harness's own client of the gateway's history database (the operator's side in tests).</summary>
    public HistoryDatabase History { get; }
    public RunningGateway Gateway { get; private set; }
    public Kubernetes Client { get; }
    public HttpClient Http { get; private set; }
    public GatewayOptions Options { get; }

    /// <summary>
    /// Starts the stand-in and a gateway on a fresh database of <paramref name="postgres"/> (default: the test run's
    /// shared server; tests that stop the server bring their own).
    /// </summary>
    public static async Task<GatewayHarness> StartAsync(Func<GatewayOptions, GatewayOptions>? configure = null, PostgresServer? postgres = null)
    {
        var server = postgres ?? await PostgresServer.SharedAsync();
        var database = await server.CreateDatabaseAsync("gateway");
        var kube = await Nexus.KubeApiServer.KubeApiServer.StartAsync(new KubeApiServerOptions { CrdPaths = { RepoPaths.Of("crds") } });
        var options = new GatewayOptions
        {
            DatabaseUrl = database,
            Urls = "http://127.0.0.1:0",
            Namespace = Namespace,
            KubeconfigPath = kube.KubeconfigPath,
            LogFormat = "none",
            WatchTimeoutSeconds = 30,
            // Tests drive one key faster than any client would; the rate-limit tests set their own limits.
            RateLimitPerSecond = Nexus.Gateway.RateLimiting.KeyRateLimit.MaxPerSecond,
            RateLimitBurst = Nexus.Gateway.RateLimiting.KeyRateLimit.MaxBurst,
        };
        options = configure?.Invoke(options) ?? options;
        var gateway = await GatewayApp.StartAsync(options);
        await gateway.WaitReadyAsync(TimeSpan.FromSeconds(30));
        return new GatewayHarness(kube, gateway, kube.CreateClient(), options, server);
    }

    /// <summary>Another gateway replica on the same API server and database; the caller disposes it.</summary>
    public async Task<RunningGateway> StartReplicaAsync()
    {
        var replica = await GatewayApp.StartAsync(Options);
        await replica.WaitReadyAsync(TimeSpan.FromSeconds(30));
        return replica;
    }

    /// <summary>Stops this gateway and starts a fresh one against the same API server (a restart).</summary>
    public async Task RestartGatewayAsync()
    {
        Http.Dispose();
        await Gateway.DisposeAsync();
        Gateway = await GatewayApp.StartAsync(Options);
        await Gateway.WaitReadyAsync(TimeSpan.FromSeconds(30));
        Http = new HttpClient { BaseAddress = Gateway.BaseAddress, Timeout = TimeSpan.FromSeconds(90) };
    }

    /// <summary>Stores a new key's Secret through the Kubernetes API and waits until the gateway's watch has it.</summary>
    public async Task<string> CreateKeyAsync(string tenants, string scopes = "ai-jobs:read,ai-jobs:write", string? name = null)
    {
        var key = ApiKeyFormat.NewKey();
        name ??= "key-" + Guid.NewGuid().ToString("N")[..10];
        var secret = ApiKeySecret.Build(name, ApiKeyFormat.Hash(key), ApiKeySecret.List(tenants), ApiKeySecret.List(scopes), null);
        await Client.CoreV1.CreateNamespacedSecretAsync(secret, Namespace);
        var keys = Gateway.Services.GetRequiredService<ApiKeyCache>();
        await Wait.UntilAsync(() => keys.FindByKey(key) is not null, "gateway sees the new key");
        return key;
    }

    public async Task<Response> SendAsync(HttpMethod method, string path, string? key, object? body = null,
        string? tenant = null, IDictionary<string, string>? headers = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (key is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        if (tenant is not null) request.Headers.Add("X-Tenant-ID", tenant);
        foreach (var (name, value) in headers ?? new Dictionary<string, string>()) request.Headers.TryAddWithoutValidation(name, value);
        if (body is not null)
            request.Content = new StringContent(body as string ?? JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");
        using var response = await Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return new Response(response, text);
    }

    public Task<Response> GetAsync(string path, string? key, string? tenant = null) => SendAsync(HttpMethod.Get, path, key, tenant: tenant);

    public Task<Response> PostAsync(string path, string? key, object body, string? tenant = null, IDictionary<string, string>? headers = null) =>
        SendAsync(HttpMethod.Post, path, key, body, tenant, headers);

    public Task<Response> DeleteAsync(string path, string? key, string? tenant = null) => SendAsync(HttpMethod.Delete, path, key, tenant: tenant);

    /// <summary>Dispatches the spec's pricing example and returns the job id.</summary>
    public async Task<string> DispatchAsync(string key, string? tenant = null, string priority = "normal", string type = JobTypes.PricingRecalculate)
    {
        var response = await PostAsync("/api/ai-jobs", key, PricingBody(priority, type), tenant);
        Assert.True(response.Status == 202, response.Text);
        return response.Data.GetProperty("id").GetString()!;
    }

    public static object PricingBody(string priority = "normal", string type = JobTypes.PricingRecalculate) => new
    {
        type,
        @params = new { skus = new[] { "SKU-001", "SKU-002" }, marketplace = "amazon_us" },
        priority,
    };

    public Task<AiJob> ReadJobAsync(string name) =>
        Client.CustomObjects.GetNamespacedCustomObjectAsync<AiJob>(NexusGroup.Group, NexusGroup.Version, Namespace, AiJob.Plural, name);

    /// <summary>What the operator does: a status write carrying the resourceVersion it read (409 when stale).</summary>
    public Task<AiJob> WriteStatusAsync(AiJob job, AiJobStatus status)
    {
        job.Status = status;
        return Client.CustomObjects.ReplaceNamespacedCustomObjectStatusAsync<AiJob>(job, NexusGroup.Group, NexusGroup.Version,
            Namespace, AiJob.Plural, job.Metadata.Name);
    }

    public static string NameOf(string jobId) => ResourceIds.TryJobNameFromId(jobId, out var name) ? name : jobId;

    /// <summary>
    /// What the operator does with a finished job: its whole record (and result) into the history database, then
    /// <c>status.archivedAt</c>; <paramref name="delete"/> also deletes the AiJob (its retention is over) and waits
    /// until the gateway's cache has let go of it.
    /// </summary>
    public async Task<AiJob> ArchiveAsync(string jobId, bool delete = false)
    {
        var name = NameOf(jobId);
        var job = await ReadJobAsync(name);
        await History.Jobs.ArchiveAsync(ArchivedJob.FromAiJob(job));
        job.Status!.ArchivedAt = DateTime.UtcNow;
        job = await Client.CustomObjects.ReplaceNamespacedCustomObjectStatusAsync<AiJob>(job, NexusGroup.Group, NexusGroup.Version,
            Namespace, AiJob.Plural, name);
        var cache = Gateway.Services.GetRequiredService<JobCache>();
        if (!delete)
        {
            await Wait.UntilAsync(() => cache.TryGet(name, out var c) && c.Job.Status?.ArchivedAt is not null, "the gateway sees archivedAt");
            return job;
        }
        await DeleteAsOperatorAsync<AiJob>(AiJob.Plural, name);
        await Wait.UntilAsync(() => !cache.TryGet(name, out _), "the deletion reaches the gateway's cache");
        return job;
    }

    /// <summary>
    /// What the operator does at the end of retention: it lets go of its archive finalizer (the record is written),
    /// then deletes; without the first step the API server would only mark the object for deletion.
    /// </summary>
    public async Task DeleteAsOperatorAsync<T>(string plural, string name) where T : IKubernetesObject<V1ObjectMeta>
    {
        var obj = await Client.CustomObjects.GetNamespacedCustomObjectAsync<T>(NexusGroup.Group, NexusGroup.Version, Namespace, plural, name);
        await Client.CustomObjects.PatchNamespacedCustomObjectAsync<T>(new V1Patch(Finalizers.Patch(obj, add: false), V1Patch.PatchType.MergePatch),
            NexusGroup.Group, NexusGroup.Version, Namespace, plural, name);
        await Client.CustomObjects.DeleteNamespacedCustomObjectAsync(NexusGroup.Group, NexusGroup.Version, Namespace, plural, name);
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Gateway.DisposeAsync();
        Client.Dispose();
        await Kube.DisposeAsync();
        await History.DisposeAsync();
        try
        {
            await Postgres.DropDatabaseAsync(Options.DatabaseUrl!);
        }
        catch (Npgsql.NpgsqlException)
        {
            // The server is stopped (an outage test): its cluster goes away with it.
        }
    }
}

public sealed record Response(HttpResponseMessage Message, string Text)
{
    public int Status => (int)Message.StatusCode;

    public JsonElement Json => JsonDocument.Parse(Text).RootElement;

    public JsonElement Data => Json.GetProperty("data");

    public string? ErrorCode => Text.Length > 0 && Json.TryGetProperty("error", out var e) ? e.GetProperty("code").GetString() : null;
}
