using System.Net.Http.Headers;
using System.Text;
using k8s;
using Nexus.Crds.Entities;

namespace Nexus.Tests.Gateway;

/// <summary>Idempotency-Keys live in the history database: every replica of the gateway sees the same claims.</summary>
public sealed class IdempotencyReplicaTests
{
    [Fact]
    public async Task Fifty_concurrent_requests_with_one_key_across_two_replicas_create_exactly_one_job()
    {
        await using var h = await GatewayHarness.StartAsync();
        await using var second = await h.StartReplicaAsync();
        var tenant = GatewayFixture.NewTenant();
        var key = await h.CreateKeyAsync(tenant);
        // The second replica has its own key cache: wait until it knows the key too.
        await Nexus.Tests.Support.Wait.UntilAsync(() =>
            second.Services.GetService(typeof(Nexus.Gateway.Auth.ApiKeyCache)) is Nexus.Gateway.Auth.ApiKeyCache keys && keys.FindByKey(key) is not null,
            "the second replica sees the key");
        var body = System.Text.Json.JsonSerializer.Serialize(GatewayHarness.PricingBody());
        using var one = new HttpClient { BaseAddress = h.Gateway.BaseAddress };
        using var two = new HttpClient { BaseAddress = second.BaseAddress };

        async Task<(int Status, string Text)> Send(HttpClient client, string json, string idempotencyKey)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/ai-jobs") { Content = new StringContent(json, Encoding.UTF8, "application/json") };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
            request.Headers.Add("Idempotency-Key", idempotencyKey);
            using var response = await client.SendAsync(request);
            return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
        }

        var answers = await Task.WhenAll(Enumerable.Range(0, 50).Select(i => Send(i % 2 == 0 ? one : two, body, "order-50")));
        Assert.All(answers, a => Assert.True(a.Status == 202, a.Text));
        var ids = answers.Select(a => System.Text.Json.JsonDocument.Parse(a.Text).RootElement.GetProperty("data").GetProperty("id").GetString()).Distinct().ToList();
        Assert.Single(ids);
        var jobs = await h.Client.CustomObjects.ListNamespacedCustomObjectAsync<KubeList<AiJob>>(NexusGroup.Group, NexusGroup.Version,
            GatewayHarness.Namespace, AiJob.Plural, labelSelector: $"{NexusGroup.TenantLabel}={tenant}");
        Assert.Single(jobs.Items!);

        // The same key with another body, on either replica: 422 with the API's code.
        var other = System.Text.Json.JsonSerializer.Serialize(GatewayHarness.PricingBody(priority: "high"));
        foreach (var client in new[] { one, two })
        {
            var reused = await Send(client, other, "order-50");
            Assert.Equal(422, reused.Status);
            Assert.Contains("IDEMPOTENCY_KEY_REUSED", reused.Text);
        }
        Assert.Single((await h.Client.CustomObjects.ListNamespacedCustomObjectAsync<KubeList<AiJob>>(NexusGroup.Group, NexusGroup.Version,
            GatewayHarness.Namespace, AiJob.Plural, labelSelector: $"{NexusGroup.TenantLabel}={tenant}")).Items!);
    }

    [Fact]
    public async Task A_repeat_after_the_job_left_etcd_answers_the_archived_job()
    {
        await using var h = await GatewayHarness.StartAsync();
        var key = await h.CreateKeyAsync(GatewayFixture.NewTenant());
        var headers = new Dictionary<string, string> { ["Idempotency-Key"] = "order-archived" };
        var first = await h.PostAsync("/api/ai-jobs", key, GatewayHarness.PricingBody(), headers: headers);
        Assert.Equal(202, first.Status);
        var id = first.Data.GetProperty("id").GetString()!;
        await h.WriteStatusAsync(await h.ReadJobAsync(GatewayHarness.NameOf(id)), new AiJobStatus
        {
            Phase = JobPhases.Completed, StartedAt = DateTime.UtcNow.AddSeconds(-1), CompletedAt = DateTime.UtcNow,
        });
        await Nexus.Tests.Support.Wait.UntilAsync(async () => (await h.GetAsync($"/api/ai-jobs/{id}", key)).Data.GetProperty("status").GetString() == "completed",
            "the job is completed");
        await h.ArchiveAsync(id, delete: true);

        var repeat = await h.PostAsync("/api/ai-jobs", key, GatewayHarness.PricingBody(), headers: headers);
        Assert.Equal(202, repeat.Status);
        Assert.Equal(id, repeat.Data.GetProperty("id").GetString());
        Assert.Equal("true", repeat.Message.Headers.GetValues("Idempotent-Replayed").Single());
        await Assert.ThrowsAsync<k8s.Autorest.HttpOperationException>(() => h.ReadJobAsync(GatewayHarness.NameOf(id)));
    }
}
