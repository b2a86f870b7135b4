using k8s;
using k8s.Models;
using Microsoft.Extensions.DependencyInjection;
using Nexus.Crds.Entities;
using Nexus.Shared;
using Nexus.Tests.Support;

namespace Nexus.Tests.Gateway;

/// <summary>A TenantQuota's maxQueued refuses dispatches over HTTP, for that tenant only, and follows edits of the quota.</summary>
public sealed class TenantQuotaGatewayTests
{
    private static Task<object> CreateQuotaAsync(GatewayHarness h, string name, string tenant, int maxQueued) =>
        h.Client.CustomObjects.CreateNamespacedCustomObjectAsync(new TenantQuota
        {
            Metadata = new V1ObjectMeta { Name = name },
            Spec = new TenantQuotaSpec { Tenant = tenant, MaxQueued = maxQueued },
        }, NexusGroup.Group, NexusGroup.Version, GatewayHarness.Namespace, TenantQuota.Plural);

    [Fact]
    public async Task A_tenant_past_its_quota_of_queued_jobs_gets_429_QUEUE_FULL_naming_the_quota()
    {
        await using var h = await GatewayHarness.StartAsync(o => o with { MaxQueuedJobsPerTenant = 100, QueueFullRetryAfterSeconds = 4 });
        var limited = GatewayFixture.NewTenant();
        var other = GatewayFixture.NewTenant();
        var limitedKey = await h.CreateKeyAsync(limited);
        var otherKey = await h.CreateKeyAsync(other);
        await CreateQuotaAsync(h, "limited", limited, maxQueued: 2);
        var book = h.Gateway.Services.GetRequiredService<TenantQuotaBook>();
        await Wait.UntilAsync(() => book.For(limited).MaxQueued == 2, "the gateway has the quota");

        var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => h.PostAsync("/api/ai-jobs", limitedKey, GatewayHarness.PricingBody())));
        Assert.Equal(2, results.Count(r => r.Status == 202));
        var refused = results.First(r => r.Status == 429);
        Assert.Equal("QUEUE_FULL", refused.ErrorCode);
        Assert.Contains("quota of 2 queued jobs", refused.Json.GetProperty("error").GetProperty("message").GetString());
        Assert.Equal(TimeSpan.FromSeconds(4), refused.Message.Headers.RetryAfter!.Delta);
        // A batch counts all its jobs.
        var batch = await h.PostAsync("/api/ai-jobs/batch", limitedKey, new { jobs = new[] { GatewayHarness.PricingBody() } });
        Assert.Equal("QUEUE_FULL", batch.ErrorCode);

        // Another tenant is under the gateway's own per-tenant limit, not this quota.
        var theirs = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => h.PostAsync("/api/ai-jobs", otherKey, GatewayHarness.PricingBody())));
        Assert.All(theirs, r => Assert.Equal(202, r.Status));

        // The platform team raises the quota: the next dispatch goes through, without a restart.
        var quota = await h.Client.CustomObjects.GetNamespacedCustomObjectAsync<TenantQuota>(NexusGroup.Group, NexusGroup.Version,
            GatewayHarness.Namespace, TenantQuota.Plural, "limited");
        quota.Spec.MaxQueued = 3;
        await h.Client.CustomObjects.ReplaceNamespacedCustomObjectAsync(quota, NexusGroup.Group, NexusGroup.Version,
            GatewayHarness.Namespace, TenantQuota.Plural, "limited");
        await Wait.UntilAsync(() => book.For(limited).MaxQueued == 3, "the gateway has the raised quota");
        Assert.Equal(202, (await h.PostAsync("/api/ai-jobs", limitedKey, GatewayHarness.PricingBody())).Status);
        Assert.Equal("QUEUE_FULL", (await h.PostAsync("/api/ai-jobs", limitedKey, GatewayHarness.PricingBody())).ErrorCode);
    }

    [Fact]
    public async Task A_quota_with_an_unknown_job_type_or_an_out_of_range_weight_is_refused_by_the_schema()
    {
        await using var h = await GatewayHarness.StartAsync();
        var bad = new[]
        {
            """{"tenant":"acme","maxRunningPerType":[{"type":"no_such_type","maxRunning":1}]}""",
            """{"tenant":"acme","weight":0}""",
            """{"tenant":"acme","weight":1001}""",
            """{"tenant":"Not A Tenant"}""",
        };
        foreach (var spec in bad)
        {
            var body = System.Text.Json.JsonDocument.Parse($$"""{"apiVersion":"nexus.ai/v1","kind":"TenantQuota","metadata":{"name":"q"},"spec":{{spec}}}""").RootElement;
            var e = await Assert.ThrowsAsync<k8s.Autorest.HttpOperationException>(() => h.Client.CustomObjects.CreateNamespacedCustomObjectAsync(body,
                NexusGroup.Group, NexusGroup.Version, GatewayHarness.Namespace, TenantQuota.Plural));
            Assert.Equal(System.Net.HttpStatusCode.UnprocessableEntity, e.Response.StatusCode);
        }
    }
}
