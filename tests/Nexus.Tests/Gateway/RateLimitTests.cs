using System.Diagnostics;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using k8s;
using Nexus.Gateway.Auth;
using Nexus.Gateway.RateLimiting;
using Nexus.Tests.Support;

namespace Nexus.Tests.Gateway;

/// <summary>A gateway whose default per-key limit is 1 request/s with a burst of 3.</summary>
public sealed class RateLimitFixture : IAsyncLifetime
{
    public const int DefaultBurst = 3;

    public GatewayHarness Harness { get; private set; } = null!;

    public async Task InitializeAsync() =>
        Harness = await GatewayHarness.StartAsync(o => o with { RateLimitPerSecond = 1, RateLimitBurst = DefaultBurst });

    public async Task DisposeAsync() => await Harness.DisposeAsync();
}

/// <summary>
/// Per-key rate limits. No timing assertions: a burst sent faster than the refill is counted, and the bound on the
/// successes allows one refill per second the burst took (on a slow machine the refill shows, never more).
/// </summary>
public class RateLimitTests(RateLimitFixture fixture) : IClassFixture<RateLimitFixture>
{
    private GatewayHarness H => fixture.Harness;

    private async Task<string> CreateLimitedKeyAsync(string tenants, KeyRateLimit limit, string? name = null)
    {
        var key = ApiKeyFormat.NewKey();
        name ??= "key-" + Guid.NewGuid().ToString("N")[..10];
        var secret = ApiKeySecret.Build(name, ApiKeyFormat.Hash(key), ApiKeySecret.List(tenants), [Scopes.Read, Scopes.Write], null, limit);
        await H.Client.CoreV1.CreateNamespacedSecretAsync(secret, GatewayHarness.Namespace);
        var keys = H.Gateway.Services.GetRequiredService<ApiKeyCache>();
        await Wait.UntilAsync(() => keys.FindByKey(key)?.RateLimit == limit, "gateway sees the new key and its limit");
        return key;
    }

    /// <summary>Sends the requests one after another; returns the answers and the seconds the burst took.</summary>
    private static async Task<(List<Response> Answers, double Seconds)> BurstAsync(int count, Func<int, Task<Response>> send)
    {
        var clock = Stopwatch.StartNew();
        var answers = new List<Response>();
        for (var i = 0; i < count; i++) answers.Add(await send(i));
        return (answers, clock.Elapsed.TotalSeconds);
    }

    private static void AssertBurstCounts(List<Response> answers, double seconds, int burst, int perSecond)
    {
        var ok = answers.Count(a => a.Status == 200);
        var limited = answers.Count(a => a.Status == 429);
        Assert.Equal(answers.Count, ok + limited);
        Assert.InRange(ok, burst, burst + perSecond * (int)Math.Ceiling(seconds));
        Assert.True(limited > 0, $"no 429 in {answers.Count} requests");
        foreach (var refused in answers.Where(a => a.Status == 429))
        {
            Assert.Equal("RATE_LIMITED", refused.ErrorCode);
            Assert.True(refused.Message.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1), refused.Text);
            Assert.Equal("0", refused.Message.Headers.GetValues("RateLimit-Remaining").Single());
        }
        foreach (var answer in answers)
        {
            Assert.Equal(burst.ToString(), answer.Message.Headers.GetValues("RateLimit-Limit").Single());
            Assert.Contains($"{burst};w=1;rate={perSecond}", answer.Message.Headers.GetValues("RateLimit-Policy").Single());
        }
    }

    [Fact]
    public async Task A_burst_over_the_default_limit_is_refused_with_RATE_LIMITED()
    {
        var key = await H.CreateKeyAsync(GatewayFixture.NewTenant());
        var (answers, seconds) = await BurstAsync(30, _ => H.GetAsync("/api/ai-jobs", key));
        AssertBurstCounts(answers, seconds, RateLimitFixture.DefaultBurst, 1);
    }

    [Fact]
    public async Task The_limit_in_a_keys_secret_replaces_the_default_and_is_shared_by_its_tenants()
    {
        var (a, b) = (GatewayFixture.NewTenant(), GatewayFixture.NewTenant());
        var key = await CreateLimitedKeyAsync($"{a},{b}", new KeyRateLimit(1, 6));
        var (answers, seconds) = await BurstAsync(30, i => H.GetAsync("/api/ai-jobs", key, tenant: i % 2 == 0 ? a : b));
        AssertBurstCounts(answers, seconds, 6, 1);
        // Both tenants drew on the one bucket: each got some of the six, neither got six of its own.
        Assert.Contains(answers.Where((_, i) => i % 2 == 0), r => r.Status == 200);
        Assert.Contains(answers.Where((_, i) => i % 2 == 1), r => r.Status == 200);
    }

    [Fact]
    public async Task One_keys_flood_does_not_limit_another_key()
    {
        var flooder = await H.CreateKeyAsync(GatewayFixture.NewTenant());
        var other = await CreateLimitedKeyAsync(GatewayFixture.NewTenant(), new KeyRateLimit(1000, 1000));
        var flood = Task.WhenAll(Enumerable.Range(0, 8).Select(async _ =>
        {
            var statuses = new List<int>();
            for (var i = 0; i < 25; i++) statuses.Add((await H.GetAsync("/api/ai-jobs", flooder)).Status);
            return statuses;
        }));
        var mine = new List<Response>();
        for (var i = 0; i < 40; i++) mine.Add(await H.GetAsync("/api/ai-jobs", other));
        var flooded = (await flood).SelectMany(s => s).ToList();

        Assert.True(flooded.Count(s => s == 429) > 100, $"the flood was not limited: {flooded.Count(s => s == 429)} of {flooded.Count} refused");
        Assert.All(mine, r => Assert.True(r.Status == 200, r.Text));
        Assert.All(mine, r => Assert.Equal("1000", r.Message.Headers.GetValues("RateLimit-Limit").Single()));
    }

    [Fact]
    public async Task Refusals_are_counted_per_key_and_by_code()
    {
        var name = "limited-" + Guid.NewGuid().ToString("N")[..8];
        var key = await CreateLimitedKeyAsync(GatewayFixture.NewTenant(), new KeyRateLimit(1, 1), name);
        for (var i = 0; i < 5; i++) await H.GetAsync("/api/ai-jobs", key);
        var metrics = (await H.GetAsync("/metrics", null)).Text;
        Assert.Matches($"nexus_gateway_rate_limited_total\\{{key=\"{name}\"\\}} [1-9]", metrics);
        Assert.Matches("nexus_gateway_requests_rejected_total\\{code=\"RATE_LIMITED\"\\} [1-9]", metrics);
        Assert.DoesNotContain(key, metrics);
    }

    [Fact]
    public async Task Requests_without_a_known_key_are_refused_by_authentication_not_the_limiter()
    {
        var answers = new List<Response>();
        for (var i = 0; i < 10; i++) answers.Add(await H.GetAsync("/api/ai-jobs", "nxk_unknown"));
        Assert.All(answers, a => Assert.Equal("UNAUTHENTICATED", a.ErrorCode));
        Assert.Equal(200, (await H.GetAsync("/healthz", null)).Status);
    }

    [Fact]
    public async Task The_keys_cli_stores_a_keys_own_limit()
    {
        var tenant = GatewayFixture.NewTenant();
        var options = H.Options with { Namespace = GatewayHarness.Namespace };
        using var api = new Nexus.Shared.KubeApi(Nexus.Shared.KubeApi.LoadConfig(H.Kube.KubeconfigPath));
        var errors = new StringWriter();
        var name = "cli-rate-" + tenant;
        var output = new StringWriter();
        Assert.True(0 == await KeysCli.RunAsync(["create", "--tenant", tenant, "--scopes", "ai-jobs:read", "--name", name, "--rate-limit", "5", "--burst", "9"],
            options, output, errors, api), errors.ToString());
        var secret = await H.Client.CoreV1.ReadNamespacedSecretAsync(name, GatewayHarness.Namespace);
        Assert.Equal("5", Encoding.UTF8.GetString(secret.Data[ApiKeySecret.RatePerSecondKey]));
        Assert.Equal("9", Encoding.UTF8.GetString(secret.Data[ApiKeySecret.RateBurstKey]));
        var key = output.ToString().Trim();
        await Wait.UntilAsync(async () => (await H.GetAsync("/api/ai-jobs", key)).Status == 200, "the new key works");
        Assert.Equal("9", (await H.GetAsync("/api/ai-jobs", key)).Message.Headers.GetValues("RateLimit-Limit").Single());

        var listed = new StringWriter();
        Assert.Equal(0, await KeysCli.RunAsync(["list"], options, listed, errors, api));
        Assert.Contains("5/s burst 9", listed.ToString());

        foreach (var bad in new[] { new[] { "--rate-limit", "0" }, ["--rate-limit", "fast"], ["--burst", "10"], ["--rate-limit", "5", "--burst", "-1"] })
            Assert.Equal(2, await KeysCli.RunAsync(["create", "--tenant", tenant, "--scopes", "ai-jobs:read", .. bad], options, new StringWriter(), new StringWriter(), api));
    }

    [Fact]
    public async Task The_openapi_document_lists_429_on_every_endpoint_a_key_calls()
    {
        var paths = (await H.GetAsync("/openapi/v1.json", null)).Json.GetProperty("paths");
        foreach (var (path, method) in new[] { ("/api/ai-jobs", "post"), ("/api/ai-jobs", "get"), ("/api/ai-jobs/{jobId}", "get"),
                     ("/api/ai-jobs/{jobId}", "delete"), ("/api/ai-jobs/batch", "post"), ("/api/ai-jobs/batch/{batchId}", "get") })
            Assert.True(paths.GetProperty(path).GetProperty(method).GetProperty("responses").TryGetProperty("429", out _), $"{method} {path}");
    }

    [Theory]
    [InlineData("10", null, 10, 20)]
    [InlineData("10", "15", 10, 15)]
    [InlineData(" 7 ", " 1 ", 7, 1)]
    public void A_secrets_limit_is_read_with_a_default_burst(string rate, string? burst, int perSecond, int expectedBurst) =>
        Assert.Equal(new KeyRateLimit(perSecond, expectedBurst), KeyRateLimit.Parse(rate, burst));

    [Theory]
    [InlineData(null, null)]
    [InlineData("0", null)]
    [InlineData("-5", null)]
    [InlineData("1.5", null)]
    [InlineData("10", "0")]
    [InlineData("10", "many")]
    [InlineData("99999999999", null)]
    public void A_secret_without_a_valid_limit_leaves_the_key_on_the_default(string? rate, string? burst) =>
        Assert.Null(KeyRateLimit.Parse(rate, burst));
}
