using Nexus.KubeApiServer.Tests.Support;

namespace Nexus.KubeApiServer.Tests.Conformance;

/// <summary>Create, update and patch semantics of custom resources.</summary>
public class CreateUpdateTests
{
    static async Task<(ClusterTarget, AiJobs)> SetUpAsync(string target)
    {
        var t = await ClusterTarget.GetAsync(target);
        return (t, new AiJobs(t.Client, await t.NewNamespaceAsync()));
    }

    [Theory, StandIn, RealCluster]
    public async Task Create_sets_server_fields_applies_defaults_and_drops_status(string target)
    {
        var (_, jobs) = await SetUpAsync(target);
        var body = AiJobs.New("job-a");
        body["status"] = new JsonObject { ["phase"] = "Completed" };
        var created = await jobs.CreateAsync(body);
        var meta = created["metadata"]!;
        Assert.False(string.IsNullOrEmpty(meta["uid"]?.GetValue<string>()));
        Assert.NotNull(meta["creationTimestamp"]);
        Assert.False(string.IsNullOrEmpty(AiJobs.Rv(created)));
        Assert.Equal(1, AiJobs.Generation(created));
        Assert.Equal("normal", created["spec"]!["priority"]!.GetValue<string>());
        Assert.Equal(2, created["spec"]!["maxRetries"]!.GetValue<int>());
        Assert.Null(created["status"]);
    }

    [Theory, StandIn, RealCluster]
    public async Task GenerateName_appends_a_random_suffix(string target)
    {
        var (_, jobs) = await SetUpAsync(target);
        var a = await jobs.CreateAsync(AiJobs.New(generateName: "job-"));
        var b = await jobs.CreateAsync(AiJobs.New(generateName: "job-"));
        var nameA = a["metadata"]!["name"]!.GetValue<string>();
        Assert.Matches("^job-[a-z0-9]{5}$", nameA);
        Assert.NotEqual(nameA, b["metadata"]!["name"]!.GetValue<string>());
    }

    [Theory, StandIn, RealCluster]
    public async Task Duplicate_create_is_409_AlreadyExists(string target)
    {
        var (_, jobs) = await SetUpAsync(target);
        await jobs.CreateAsync(AiJobs.New("dup"));
        var (code, status) = await StatusOf.FailureAsync(() => jobs.CreateAsync(AiJobs.New("dup")));
        Assert.Equal(409, code);
        Assert.Equal("AlreadyExists", status["reason"]!.GetValue<string>());
        Assert.Equal("aijobs.nexus.ai \"dup\" already exists", status["message"]!.GetValue<string>());
        Assert.Equal("dup", status["details"]!["name"]!.GetValue<string>());
    }

    [Theory, StandIn, RealCluster]
    public async Task Get_missing_is_404_NotFound_Status(string target)
    {
        var (_, jobs) = await SetUpAsync(target);
        var (code, status) = await StatusOf.FailureAsync(() => jobs.GetAsync("nope"));
        Assert.Equal(404, code);
        Assert.Equal("Status", status["kind"]!.GetValue<string>());
        Assert.Equal("NotFound", status["reason"]!.GetValue<string>());
        Assert.Equal("aijobs.nexus.ai \"nope\" not found", status["message"]!.GetValue<string>());
        Assert.Equal(404, status["code"]!.GetValue<int>());
    }

    [Theory, StandIn, RealCluster]
    public async Task Update_with_stale_resourceVersion_is_409_Conflict(string target)
    {
        var (_, jobs) = await SetUpAsync(target);
        var created = await jobs.CreateAsync(AiJobs.New("race"));
        var first = created.DeepClone().AsObject();
        first["spec"]!["priority"] = "high";
        await jobs.ReplaceAsync(first);
        var stale = created.DeepClone().AsObject();
        stale["spec"]!["priority"] = "low";
        var (code, status) = await StatusOf.FailureAsync(() => jobs.ReplaceAsync(stale));
        Assert.Equal(409, code);
        Assert.Equal("Conflict", status["reason"]!.GetValue<string>());
        Assert.Contains("the object has been modified; please apply your changes to the latest version and try again",
            status["message"]!.GetValue<string>());
        Assert.Equal("high", (await jobs.GetAsync("race"))["spec"]!["priority"]!.GetValue<string>());
    }

    [Theory, StandIn, RealCluster]
    public async Task Update_without_resourceVersion_is_422_for_custom_resources(string target)
    {
        var (_, jobs) = await SetUpAsync(target);
        var created = await jobs.CreateAsync(AiJobs.New("no-rv"));
        created["metadata"]!.AsObject().Remove("resourceVersion");
        var (code, status) = await StatusOf.FailureAsync(() => jobs.ReplaceAsync(created));
        Assert.Equal(422, code);
        Assert.Contains("metadata.resourceVersion", status["message"]!.GetValue<string>());
    }

    [Theory, StandIn, RealCluster]
    public async Task Merge_patch_and_json_patch_change_spec_and_bump_generation(string target)
    {
        var (_, jobs) = await SetUpAsync(target);
        await jobs.CreateAsync(AiJobs.New("p"));
        var merged = await jobs.PatchAsync("p", """{"spec":{"priority":"high"}}""");
        Assert.Equal("high", merged["spec"]!["priority"]!.GetValue<string>());
        Assert.Equal(2, AiJobs.Generation(merged));
        var patched = await jobs.PatchAsync("p", """[{"op":"replace","path":"/spec/maxRetries","value":5}]""", V1Patch.PatchType.JsonPatch);
        Assert.Equal(5, patched["spec"]!["maxRetries"]!.GetValue<int>());
        Assert.Equal(3, AiJobs.Generation(patched));
    }

    [Theory, StandIn, RealCluster]
    public async Task Metadata_only_changes_keep_generation(string target)
    {
        var (_, jobs) = await SetUpAsync(target);
        var created = await jobs.CreateAsync(AiJobs.New("meta"));
        var patched = await jobs.PatchAsync("meta", """{"metadata":{"labels":{"x":"y"},"annotations":{"a":"b"}}}""");
        Assert.Equal("y", patched["metadata"]!["labels"]!["x"]!.GetValue<string>());
        Assert.Equal(1, AiJobs.Generation(patched));
        Assert.NotEqual(AiJobs.Rv(created), AiJobs.Rv(patched));
    }

    [Theory, StandIn, RealCluster]
    public async Task Patch_with_stale_resourceVersion_is_409(string target)
    {
        var (_, jobs) = await SetUpAsync(target);
        var created = await jobs.CreateAsync(AiJobs.New("prv"));
        await jobs.PatchAsync("prv", """{"spec":{"priority":"high"}}""");
        var (code, _) = await StatusOf.FailureAsync(() =>
            jobs.PatchAsync("prv", "{\"metadata\":{\"resourceVersion\":\"" + AiJobs.Rv(created) + "\"},\"spec\":{\"cancel\":true}}"));
        Assert.Equal(409, code);
    }

    [Theory, StandIn, RealCluster]
    public async Task Strategic_merge_patch_on_a_custom_resource_is_415(string target)
    {
        var (_, jobs) = await SetUpAsync(target);
        await jobs.CreateAsync(AiJobs.New("smp"));
        var (code, status) = await StatusOf.FailureAsync(() => jobs.PatchAsync("smp", """{"spec":{"cancel":true}}""", V1Patch.PatchType.StrategicMergePatch));
        Assert.Equal(415, code);
        Assert.Equal("UnsupportedMediaType", status["reason"]!.GetValue<string>());
    }
}
