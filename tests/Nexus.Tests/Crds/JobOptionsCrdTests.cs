using Nexus.Crds.Entities;
using Nexus.Tests.Support;
using YamlDotNet.RepresentationModel;

namespace Nexus.Tests.Crds;

/// <summary>The CRDs bound the job options as the contract does, and the per-type deadlines derive from one rule.</summary>
public sealed class JobOptionsCrdTests
{
    private static YamlMappingNode Load(string fileName)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(File.ReadAllText(RepoPaths.Of("crds", fileName))));
        return (YamlMappingNode)stream.Documents[0].RootNode;
    }

    [Fact]
    public void Spec_metadata_is_a_bounded_string_map_on_jobs_and_batch_items()
    {
        var job = (YamlMappingNode)Load("aijobs.nexus.ai.yaml")["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]["properties"];
        var item = (YamlMappingNode)Load("aijobbatches.nexus.ai.yaml")["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]
            ["properties"]["jobs"]["items"]["properties"];
        foreach (var metadata in new[] { job["metadata"], item["metadata"] })
        {
            Assert.Equal("object", metadata["type"].ToString());
            Assert.Equal(JobOptions.MetadataMaxKeys.ToString(), metadata["maxProperties"].ToString());
            Assert.Equal("string", metadata["additionalProperties"]["type"].ToString());
            Assert.Equal(JobOptions.MetadataValueMaxLength.ToString(), metadata["additionalProperties"]["maxLength"].ToString());
        }
        Assert.Equal("string", job["retryOf"]["type"].ToString());
    }

    [Fact]
    public void Deadlines_are_two_and_ten_times_the_types_longest_typical_duration()
    {
        foreach (var (type, (_, max)) in JobTypes.TypicalSeconds)
        {
            Assert.Equal(2 * max, JobOptions.DefaultTimeoutSeconds(type));
            Assert.Equal(10 * max, JobOptions.MaxTimeoutSeconds(type));
            Assert.Equal(TimeSpan.FromSeconds(2 * max), JobTimes.Timeout(new AiJob { Spec = new AiJobSpec { Type = type } }));
        }
        Assert.True(JobOptions.MaxTimeoutSeconds(JobTypes.LlmVisibilityScore) <= 86400, "within the CRD's timeoutSeconds bound");
    }

    [Theory]
    [InlineData("a", true)]
    [InlineData("team.name_2-x", true)]
    [InlineData("Team", false)]
    [InlineData("-a", false)]
    [InlineData("a-", false)]
    [InlineData("", false)]
    [InlineData("a\n", false)]
    public void Metadata_keys_follow_the_pattern(string key, bool ok) => Assert.Equal(ok, JobOptions.IsMetadataKey(key));

    [Fact]
    public void A_metadata_key_is_at_most_63_characters()
    {
        Assert.True(JobOptions.IsMetadataKey(new string('a', 63)));
        Assert.False(JobOptions.IsMetadataKey(new string('a', 64)));
    }
}
