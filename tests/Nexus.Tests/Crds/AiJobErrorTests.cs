using k8s;
using Nexus.Crds.Entities;

namespace Nexus.Tests.Crds;

public sealed class AiJobErrorTests
{
    [Fact]
    public void A_workers_long_code_and_message_are_clipped_to_the_bounds_the_CRD_states()
    {
        var error = new AiJobError { Code = new string('E', 500), Message = new string('m', 100_000) };

        Assert.Equal(AiJobError.CodeMaxLength, error.Code.Length);
        Assert.Equal(AiJobError.MessageMaxLength, error.Message.Length);
        Assert.EndsWith("...", error.Message);
        // Also when read back from the API: the bound holds whoever wrote the object.
        var read = KubernetesJson.Deserialize<AiJobError>($$"""{"code": "{{new string('C', 70)}}", "message": "short"}""");
        Assert.Equal(AiJobError.CodeMaxLength, read.Code.Length);
        Assert.Equal("short", read.Message);
    }

    [Fact]
    public void The_CRD_states_the_same_bounds()
    {
        var crd = File.ReadAllText(Nexus.Tests.Support.RepoPaths.Of("crds", "aijobs.nexus.ai.yaml"));
        Assert.Contains($"maxLength: {AiJobError.MessageMaxLength}", crd);
        Assert.Contains($"maxLength: {AiJobError.CodeMaxLength}", crd);
    }
}
