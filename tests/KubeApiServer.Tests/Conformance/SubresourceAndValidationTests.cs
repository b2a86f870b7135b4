using Nexus.KubeApiServer.Tests.Support;

namespace Nexus.KubeApiServer.Tests.Conformance;

/// <summary>The status subresource, schema validation, defaulting and pruning of custom resources.</summary>
public class SubresourceAndValidationTests
{
    static async Task<AiJobs> JobsAsync(string target)
    {
        var t = await ClusterTarget.GetAsync(target);
        return new AiJobs(t.Client, await t.NewNamespaceAsync());
    }

    [Theory, StandIn, RealCluster]
    public async Task Status_writes_ignore_spec_and_main_writes_ignore_status(string target)
    {
        var jobs = await JobsAsync(target);
        var created = await jobs.CreateAsync(AiJobs.New("s"));
        var statusWrite = created.DeepClone().AsObject();
        statusWrite["spec"]!["priority"] = "high";
        statusWrite["status"] = new JsonObject { ["phase"] = "Running", ["attempts"] = 1 };
        var afterStatus = await jobs.ReplaceStatusAsync(statusWrite);
        Assert.Equal("Running", afterStatus["status"]!["phase"]!.GetValue<string>());
        Assert.Equal("normal", afterStatus["spec"]!["priority"]!.GetValue<string>());
        Assert.Equal(1, AiJobs.Generation(afterStatus));

        var mainWrite = afterStatus.DeepClone().AsObject();
        mainWrite["status"] = new JsonObject { ["phase"] = "Completed" };
        mainWrite["spec"]!["priority"] = "low";
        var afterMain = await jobs.ReplaceAsync(mainWrite);
        Assert.Equal("Running", afterMain["status"]!["phase"]!.GetValue<string>());
        Assert.Equal("low", afterMain["spec"]!["priority"]!.GetValue<string>());
        Assert.Equal(2, AiJobs.Generation(afterMain));
    }

    [Theory, StandIn, RealCluster]
    public async Task Status_patch_is_validated_against_the_schema(string target)
    {
        var jobs = await JobsAsync(target);
        await jobs.CreateAsync(AiJobs.New("sv"));
        var (code, status) = await StatusOf.FailureAsync(() => jobs.PatchStatusAsync("sv", """{"status":{"phase":"Exploded"}}"""));
        Assert.Equal(422, code);
        Assert.Contains("status.phase: Unsupported value: \"Exploded\"", status["message"]!.GetValue<string>());
    }

    [Theory, StandIn, RealCluster]
    public async Task Schema_violations_are_422_Invalid_with_causes(string target)
    {
        var jobs = await JobsAsync(target);
        var body = AiJobs.New("bad");
        body["spec"]!.AsObject().Remove("type");
        body["spec"]!["priority"] = "urgent";
        body["spec"]!["maxRetries"] = 11;
        var (code, status) = await StatusOf.FailureAsync(() => jobs.CreateAsync(body));
        Assert.Equal(422, code);
        Assert.Equal("Invalid", status["reason"]!.GetValue<string>());
        var message = status["message"]!.GetValue<string>();
        Assert.StartsWith("AiJob.nexus.ai \"bad\" is invalid: ", message);
        Assert.Contains("spec.priority: Unsupported value: \"urgent\": supported values: \"low\", \"normal\", \"high\"", message);
        var causes = status["details"]!["causes"]!.AsArray().Select(c => (c!["reason"]!.GetValue<string>(), c["field"]!.GetValue<string>())).ToList();
        Assert.Contains(("FieldValueRequired", "spec.type"), causes);
        Assert.Contains(("FieldValueNotSupported", "spec.priority"), causes);
        Assert.Contains(("FieldValueInvalid", "spec.maxRetries"), causes);
    }

    [Theory, StandIn, RealCluster]
    public async Task Wrong_types_and_patterns_are_rejected(string target)
    {
        var jobs = await JobsAsync(target);
        var body = AiJobs.New("types");
        body["spec"]!["maxRetries"] = "three";
        body["spec"]!["tenant"] = "Not Valid!";
        var (code, status) = await StatusOf.FailureAsync(() => jobs.CreateAsync(body));
        Assert.Equal(422, code);
        var causes = status["details"]!["causes"]!.AsArray().Select(c => (c!["reason"]!.GetValue<string>(), c["field"]!.GetValue<string>())).ToList();
        Assert.Contains(("FieldValueTypeInvalid", "spec.maxRetries"), causes);
        Assert.Contains(("FieldValueInvalid", "spec.tenant"), causes);
    }

    [Theory, StandIn, RealCluster]
    public async Task Unknown_fields_are_pruned_but_preserved_where_the_schema_says_so(string target)
    {
        var jobs = await JobsAsync(target);
        var body = AiJobs.New("prune");
        body["spec"]!["bogus"] = "x";
        body["spec"]!["params"]!["anything"] = new JsonObject { ["deep"] = 1 };
        body["spec"]!["params"]!["_simulate"] = new JsonObject { ["sleep_seconds"] = 2, ["fail"] = new JsonObject { ["code"] = "X" } };
        var created = await jobs.CreateAsync(body);
        Assert.Null(created["spec"]!["bogus"]);
        Assert.Null(created["spec"]!["params"]!["anything"]);
        Assert.Equal("X", created["spec"]!["params"]!["_simulate"]!["fail"]!["code"]!.GetValue<string>());
        Assert.Equal(2, created["spec"]!["params"]!["_simulate"]!["sleep_seconds"]!.GetValue<int>());
    }

    [Theory, StandIn, RealCluster]
    public async Task Strict_field_validation_rejects_unknown_fields(string target)
    {
        var jobs = await JobsAsync(target);
        var body = AiJobs.New("strict");
        body["spec"]!["bogus"] = "x";
        var (code, status) = await StatusOf.FailureAsync(() => jobs.CreateAsync(body, fieldValidation: "Strict"));
        Assert.Equal(400, code);
        Assert.Equal("BadRequest", status["reason"]!.GetValue<string>());
        Assert.Contains("unknown field \"spec.bogus\"", status["message"]!.GetValue<string>());
    }

    [Theory, StandIn, RealCluster]
    public async Task Strict_create_names_the_kind_and_every_unknown_field_of_params(string target)
    {
        var jobs = await JobsAsync(target);
        var body = AiJobs.New("strict-params");
        body["spec"]!["params"]!["bogus"] = 1;
        body["spec"]!["params"]!["other"] = new JsonObject { ["deep"] = true };
        var (code, status) = await StatusOf.FailureAsync(() => jobs.CreateAsync(body, fieldValidation: "Strict"));
        Assert.Equal(400, code);
        Assert.Equal("BadRequest", status["reason"]!.GetValue<string>());
        Assert.Equal("AiJob in version \"v1\" cannot be handled as a AiJob: strict decoding error: "
                     + "unknown field \"spec.params.bogus\", unknown field \"spec.params.other\"", status["message"]!.GetValue<string>());
        Assert.False(await jobs.ExistsAsync("strict-params"));
    }

    [Theory, StandIn, RealCluster]
    public async Task Strict_patch_reports_the_unknown_field_without_the_kind(string target)
    {
        var jobs = await JobsAsync(target);
        await jobs.CreateAsync(AiJobs.New("strict-patch"));
        var (code, status) = await StatusOf.FailureAsync(() => jobs.PatchAsync("strict-patch", """{"spec":{"bogus":1}}""", fieldValidation: "Strict"));
        Assert.Equal(400, code);
        Assert.Equal("strict decoding error: unknown field \"spec.bogus\"", status["message"]!.GetValue<string>());
    }

    [Theory, StandIn, RealCluster]
    public async Task Ignore_prunes_unknown_params_silently(string target)
    {
        var jobs = await JobsAsync(target);
        var body = AiJobs.New("ignore-params");
        body["spec"]!["params"]!["bogus"] = 1;
        var created = await jobs.CreateAsync(body, fieldValidation: "Ignore");
        Assert.Null(created["spec"]!["params"]!["bogus"]);
        Assert.Equal("SKU-1", created["spec"]!["params"]!["skus"]![0]!.GetValue<string>());
    }

    [Theory, StandIn, RealCluster]
    public async Task An_unsupported_fieldValidation_is_422_naming_the_supported_values(string target)
    {
        var jobs = await JobsAsync(target);
        var (code, status) = await StatusOf.FailureAsync(() => jobs.CreateAsync(AiJobs.New("fv"), fieldValidation: "strict"));
        Assert.Equal(422, code);
        Assert.Equal("CreateOptions.meta.k8s.io \"\" is invalid: fieldValidation: Unsupported value: \"strict\": supported values: \"\", \"Ignore\", \"Strict\", \"Warn\"",
            status["message"]!.GetValue<string>());
        Assert.False(await jobs.ExistsAsync("fv"));
    }
}
