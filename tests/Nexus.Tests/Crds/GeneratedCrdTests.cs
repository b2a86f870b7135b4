using Nexus.Crds.Entities;
using Nexus.Crds.Schema;
using Nexus.Tests.Support;
using YamlDotNet.RepresentationModel;

namespace Nexus.Tests.Crds;

public class GeneratedCrdTests
{
    [Fact]
    public void Committed_crd_yaml_matches_the_generator()
    {
        foreach (var (fileName, yaml) in CrdGenerator.GenerateAll())
        {
            var path = RepoPaths.Of("crds", fileName);
            Assert.True(File.Exists(path), $"{path} is missing: run `make crds`");
            Assert.True(yaml == File.ReadAllText(path), $"crds/{fileName} differs from the entity types: run `make crds` and commit");
        }
    }

    [Theory]
    [InlineData("aijobs.nexus.ai.yaml", "AiJob", "aij")]
    [InlineData("aijobbatches.nexus.ai.yaml", "AiJobBatch", "aijb")]
    [InlineData("workerpools.nexus.ai.yaml", "WorkerPool", "wp")]
    public void Crd_declares_names_category_and_status_subresource(string fileName, string kind, string shortName)
    {
        var crd = Load(fileName);
        var names = (YamlMappingNode)crd["spec"]["names"];
        Assert.Equal(kind, names["kind"].ToString());
        Assert.Contains(shortName, ((YamlSequenceNode)names["shortNames"]).Select(n => n.ToString()));
        Assert.Contains("nexus", ((YamlSequenceNode)names["categories"]).Select(n => n.ToString()));
        Assert.Equal("Namespaced", crd["spec"]["scope"].ToString());
        var version = (YamlMappingNode)((YamlSequenceNode)crd["spec"]["versions"])[0];
        Assert.True(((YamlMappingNode)version["subresources"]).Children.ContainsKey("status"));
    }

    [Fact]
    public void AiJob_schema_has_enums_bounds_defaults_and_typed_params()
    {
        var spec = SpecSchema("aijobs.nexus.ai.yaml");
        var props = (YamlMappingNode)spec["properties"];
        Assert.Equal(JobTypes.All, Enum(props["type"]));
        Assert.Equal(Priorities.All, Enum(props["priority"]));
        Assert.Equal("normal", props["priority"]["default"].ToString());
        Assert.Equal("0", props["maxRetries"]["minimum"].ToString());
        Assert.Equal("10", props["maxRetries"]["maximum"].ToString());
        Assert.Equal("2", props["maxRetries"]["default"].ToString());
        // params declares the union of the job types' params schemas (per-type rules are CEL rules on spec) and no other
        // name but the workers' test hook, which alone keeps what it holds.
        var paramsSchema = (YamlMappingNode)props["params"];
        Assert.False(paramsSchema.Children.ContainsKey("x-kubernetes-preserve-unknown-fields"));
        var paramNames = ((YamlMappingNode)paramsSchema["properties"]).Children.Keys.Select(k => k.ToString()).ToList();
        Assert.Contains("skus", paramNames);
        Assert.Contains("_simulate", paramNames);
        Assert.Equal("true", paramsSchema["properties"]["_simulate"]["x-kubernetes-preserve-unknown-fields"].ToString());
        Assert.Contains("WORKER_ALLOW_SIMULATION=1", paramsSchema["properties"]["_simulate"]["description"].ToString());
        Assert.Equal(["type", "tenant"], ((YamlSequenceNode)spec["required"]).Select(n => n.ToString()));

        var status = (YamlMappingNode)Load("aijobs.nexus.ai.yaml")["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["status"]["properties"];
        Assert.Equal(JobPhases.All, Enum(status["phase"]));
        Assert.Equal("true", status["result"]["x-kubernetes-preserve-unknown-fields"].ToString());
    }

    [Fact]
    public void AiJob_printer_columns_are_type_tenant_priority_status_attempts_age()
    {
        var version = Load("aijobs.nexus.ai.yaml")["spec"]["versions"][0];
        var visible = ((YamlSequenceNode)version["additionalPrinterColumns"])
            .Cast<YamlMappingNode>()
            .Where(c => !c.Children.ContainsKey("priority"))
            .Select(c => c["name"].ToString());
        Assert.Equal(["Type", "Tenant", "Priority", "Status", "Attempts", "Age"], visible);
    }

    [Fact]
    public void Batch_allows_one_to_twenty_jobs()
    {
        var jobs = SpecSchema("aijobbatches.nexus.ai.yaml")["properties"]["jobs"];
        Assert.Equal("1", jobs["minItems"].ToString());
        Assert.Equal("20", jobs["maxItems"].ToString());
    }

    private static YamlNode SpecSchema(string fileName) =>
        Load(fileName)["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"];

    private static IEnumerable<string> Enum(YamlNode node) => ((YamlSequenceNode)node["enum"]).Select(n => n.ToString());

    private static YamlMappingNode Load(string fileName)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(File.ReadAllText(RepoPaths.Of("crds", fileName))));
        return (YamlMappingNode)stream.Documents[0].RootNode;
    }
}
