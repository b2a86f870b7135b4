using System.Text.Json;
using Nexus.KubeApiServer.Tests.Support;

namespace Nexus.KubeApiServer.Tests.Conformance;

/// <summary>Server-side apply between field managers: ownership, 409 FieldManagerConflict, force, removal of dropped fields.</summary>
public class ServerSideApplyTests
{
    // JSON is YAML too; KubernetesClient sends an apply patch body as raw JSON.
    static string Job(string priority, string? extraLabel = null) => new JsonObject
    {
        ["apiVersion"] = "nexus.ai/v1",
        ["kind"] = "AiJob",
        ["metadata"] = new JsonObject
        {
            ["name"] = "ssa",
            ["labels"] = extraLabel is null ? new JsonObject() : new JsonObject { [extraLabel] = "yes" },
        },
        ["spec"] = new JsonObject
        {
            ["type"] = "pricing_recalculate", ["tenant"] = "acme", ["priority"] = priority,
            ["params"] = new JsonObject { ["skus"] = new JsonArray("SKU-1") },
        },
    }.ToJsonString();

    static async Task<JsonObject> ApplyAsync(Kubernetes client, string ns, string yaml, string manager, bool force = false) =>
        JsonSerializer.SerializeToNode(await client.CustomObjects.PatchNamespacedCustomObjectAsync(
            new V1Patch(yaml, V1Patch.PatchType.ApplyPatch), AiJobs.Group, AiJobs.Version, ns, AiJobs.Plural, "ssa",
            fieldManager: manager, force: force))!.AsObject();

    static List<string> Managers(JsonObject o) =>
        o["metadata"]!["managedFields"]!.AsArray().Select(e => $"{e!["manager"]}/{e["operation"]}").Order().ToList();

    [Theory, StandIn, RealCluster]
    public async Task A_second_manager_changing_an_owned_field_conflicts_until_it_forces(string target)
    {
        var t = await ClusterTarget.GetAsync(target);
        var ns = await t.NewNamespaceAsync();
        var created = await ApplyAsync(t.Client, ns, Job("high", "alpha-label"), "alpha");
        Assert.Equal("high", created["spec"]!["priority"]!.GetValue<string>());
        Assert.Equal(["alpha/Apply"], Managers(created));

        // Same values for the shared fields, a different priority: one conflict, on .spec.priority only.
        var e = await Assert.ThrowsAsync<k8s.Autorest.HttpOperationException>(() => ApplyAsync(t.Client, ns, Job("low"), "beta"));
        Assert.Equal(409, (int)e.Response.StatusCode);
        var status = JsonNode.Parse(e.Response.Content)!.AsObject();
        Assert.Equal("Conflict", status["reason"]!.GetValue<string>());
        Assert.Equal("Apply failed with 1 conflict: conflict with \"alpha\": .spec.priority", status["message"]!.GetValue<string>());
        var cause = status["details"]!["causes"]!.AsArray().Single()!;
        Assert.Equal("FieldManagerConflict", cause["reason"]!.GetValue<string>());
        Assert.Equal(".spec.priority", cause["field"]!.GetValue<string>());
        Assert.Equal("high", (await new AiJobs(t.Client, ns).GetAsync("ssa"))["spec"]!["priority"]!.GetValue<string>());

        // Applying the values the other manager set is no conflict: the fields become shared.
        var shared = await ApplyAsync(t.Client, ns, Job("high"), "beta");
        Assert.Equal(["alpha/Apply", "beta/Apply"], Managers(shared));

        var forced = await ApplyAsync(t.Client, ns, Job("low"), "beta", force: true);
        Assert.Equal("low", forced["spec"]!["priority"]!.GetValue<string>());
        // alpha lost .spec.priority: its next apply of the old value conflicts with beta now.
        var back = await Assert.ThrowsAsync<k8s.Autorest.HttpOperationException>(() => ApplyAsync(t.Client, ns, Job("high", "alpha-label"), "alpha"));
        Assert.Contains("conflict with \"beta\": .spec.priority", JsonNode.Parse(back.Response.Content)!["message"]!.GetValue<string>());

        // A field its manager stops applying, that nobody else owns, is removed.
        var dropped = await ApplyAsync(t.Client, ns, Job("low"), "alpha");
        Assert.Null(dropped["metadata"]!["labels"]?["alpha-label"]);
        Assert.Equal("low", dropped["spec"]!["priority"]!.GetValue<string>());
    }
}
