using Nexus.KubeApiServer.Tests.Support;

namespace Nexus.KubeApiServer.Tests.Conformance;

/// <summary>
/// The AiJob CRD's CEL rules (x-kubernetes-validations): immutable spec fields, cancel that cannot go back, and each job
/// type's params rules with the gateway's messages. On a real cluster the same tests also show the API server accepts the
/// generated CRD (structural, bounded CEL cost).
/// </summary>
public class CelValidationTests
{
    static async Task<AiJobs> JobsAsync(string target)
    {
        var t = await ClusterTarget.GetAsync(target);
        return new AiJobs(t.Client, await t.NewNamespaceAsync());
    }

    static async Task<(string Message, List<(string Field, string Message)> Causes)> RefusedAsync(Func<Task> call)
    {
        var (code, status) = await StatusOf.FailureAsync(call);
        Assert.Equal(422, code);
        Assert.Equal("Invalid", status["reason"]!.GetValue<string>());
        var causes = status["details"]!["causes"]!.AsArray()
            .Select(c => (c!["field"]?.GetValue<string>() ?? "", c["message"]!.GetValue<string>())).ToList();
        return (status["message"]!.GetValue<string>(), causes);
    }

    [Theory, StandIn, RealCluster]
    public async Task Type_tenant_params_and_batch_cannot_change_after_creation(string target)
    {
        var jobs = await JobsAsync(target);
        var body = AiJobs.New("imm");
        body["spec"]!["batch"] = new JsonObject { ["name"] = "b1", ["index"] = 0 };
        await jobs.CreateAsync(body);

        var (message, causes) = await RefusedAsync(() => jobs.PatchAsync("imm", """{"spec":{"type":"review_sentiment","params":{"skus":["SKU-1"]}}}"""));
        Assert.StartsWith("AiJob.nexus.ai \"imm\" is invalid: ", message);
        Assert.Contains(("spec.type", "Invalid value: \"string\": type is immutable"), causes);

        (_, causes) = await RefusedAsync(() => jobs.PatchAsync("imm", """{"spec":{"tenant":"other"}}"""));
        Assert.Equal([("spec.tenant", "Invalid value: \"string\": tenant is immutable")], causes);

        (_, causes) = await RefusedAsync(() => jobs.PatchAsync("imm", """{"spec":{"params":{"skus":["SKU-2"]}}}"""));
        Assert.Equal([("spec.params", "Invalid value: \"object\": params is immutable")], causes);

        (_, causes) = await RefusedAsync(() => jobs.PatchAsync("imm", """{"spec":{"params":null}}"""));
        Assert.Equal([("spec.params", "Invalid value: \"object\": params is immutable")], causes);

        (_, causes) = await RefusedAsync(() => jobs.PatchAsync("imm", """{"spec":{"batch":{"index":1}}}"""));
        Assert.Equal([("spec.batch", "Invalid value: \"object\": batch is immutable")], causes);

        (_, causes) = await RefusedAsync(() => jobs.PatchAsync("imm", """{"spec":{"batch":null}}"""));
        Assert.Equal([("spec.batch", "Invalid value: \"object\": batch is immutable")], causes);

        // What may change still does: priority, and metadata (labels, finalizers).
        var changed = await jobs.PatchAsync("imm", """{"metadata":{"finalizers":["nexus.ai/archive"]},"spec":{"priority":"high"}}""");
        Assert.Equal("high", changed["spec"]!["priority"]!.GetValue<string>());
        await jobs.PatchAsync("imm", """{"metadata":{"finalizers":null}}""");
    }

    [Theory, StandIn, RealCluster]
    public async Task A_batch_cannot_be_added_to_a_job_created_without_one(string target)
    {
        var jobs = await JobsAsync(target);
        await jobs.CreateAsync(AiJobs.New("nobatch"));
        var (_, causes) = await RefusedAsync(() => jobs.PatchAsync("nobatch", """{"spec":{"batch":{"name":"b","index":0}}}"""));
        Assert.Equal([("spec.batch", "Invalid value: \"object\": batch is immutable")], causes);
    }

    [Theory, StandIn, RealCluster]
    public async Task Cancel_goes_from_false_to_true_and_never_back(string target)
    {
        var jobs = await JobsAsync(target);
        var created = await jobs.CreateAsync(AiJobs.New("c"));
        Assert.False(created["spec"]!["cancel"]!.GetValue<bool>());
        var cancelled = await jobs.PatchAsync("c", """{"spec":{"cancel":true}}""");
        Assert.True(cancelled["spec"]!["cancel"]!.GetValue<bool>());
        var (_, causes) = await RefusedAsync(() => jobs.PatchAsync("c", """{"spec":{"cancel":false}}"""));
        Assert.Equal([("spec.cancel", "Invalid value: \"boolean\": cancel cannot be set back to false")], causes);
        // A status write does not run into the spec rules: its spec is the stored one.
        var status = await jobs.PatchStatusAsync("c", """{"status":{"phase":"Cancelled"}}""");
        Assert.Equal("Cancelled", status["status"]!["phase"]!.GetValue<string>());
    }

    [Theory, StandIn, RealCluster]
    public async Task Bad_params_are_refused_with_the_gateways_field_messages(string target)
    {
        var jobs = await JobsAsync(target);
        var body = AiJobs.New("bad-params", type: "competitor_scan");
        body["spec"]!["params"] = JsonNode.Parse("""{"skus":["SKU-1","bad sku!"],"marketplace":"X","apply":true}""");
        var (message, causes) = await RefusedAsync(() => jobs.CreateAsync(body));
        Assert.Contains("spec.params.skus[1]: Invalid value: \"string\": must match the pattern ^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$", message);
        Assert.Contains(("spec.params.skus[1]", "Invalid value: \"string\": must match the pattern ^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"), causes);
        Assert.Contains(("spec.params.marketplace", "Invalid value: \"string\": must match the pattern ^[a-z][a-z0-9_]{1,31}$"), causes);
        Assert.Contains(("spec.params.apply", "Invalid value: \"object\": unknown parameter for competitor_scan; allowed: skus, marketplace"), causes);
        Assert.Equal(3, causes.Count);

        // The same apply is a pricing_recalculate parameter; a number bound and a per-type list bound.
        var pricing = AiJobs.New("pricing", type: "pricing_recalculate");
        pricing["spec"]!["params"] = JsonNode.Parse("""{"apply":true,"max_change":0}""");
        (_, causes) = await RefusedAsync(() => jobs.CreateAsync(pricing));
        Assert.Equal([("spec.params.max_change", "Invalid value: \"number\": must be greater than 0.0")], causes);

        var visibility = AiJobs.New("visibility", type: "llm_visibility_score");
        visibility["spec"]!["params"] = new JsonObject { ["skus"] = new JsonArray(Enumerable.Range(0, 501).Select(i => (JsonNode)$"S{i}").ToArray()) };
        (_, causes) = await RefusedAsync(() => jobs.CreateAsync(visibility));
        Assert.Equal([("spec.params.skus", "Invalid value: \"object\": must contain at most 500 items, got 501")], causes);

        var good = AiJobs.New("good", type: "competitor_scan");
        good["spec"]!["params"] = JsonNode.Parse("""{"skus":["SKU-1"],"marketplace":"amazon_de"}""");
        await jobs.CreateAsync(good);
    }

    [Theory, StandIn, RealCluster]
    public async Task Metadata_keys_follow_the_gateways_pattern(string target)
    {
        var jobs = await JobsAsync(target);
        var body = AiJobs.New("meta");
        body["spec"]!["metadata"] = new JsonObject { ["campaign"] = "x", ["Bad Key"] = "y" };
        var (_, causes) = await RefusedAsync(() => jobs.CreateAsync(body));
        Assert.Equal([("spec.metadata", "Invalid value: \"object\": key must match the pattern ^[a-z0-9]([a-z0-9_.-]{0,61}[a-z0-9])?$")], causes);
        body["spec"]!["metadata"] = new JsonObject { ["campaign"] = "x", ["team.ops-1"] = "y" };
        await jobs.CreateAsync(body);
    }
}
