namespace Nexus.Tests.EndToEnd;

/// <summary>
/// `make run` enforces the chart's own RBAC: the operator and the gateway run as the chart's ServiceAccounts (their
/// processes' KUBECONFIG carries the account's token), and what their Roles do not grant is refused with
/// kube-apiserver's 403 while what they do grant works.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class MakeRunRbacEndToEndTests(PlatformStack stack)
{
    [Theory]
    [InlineData("nexus-operator", "operator")]
    [InlineData("nexus-gateway", "gateway")]
    public async Task The_operator_and_the_gateway_run_as_the_charts_service_accounts(string deployment, string component)
    {
        using var admin = new Kubectl(stack.Kubeconfig);
        var account = await admin.OkAsync(null, "get", "deployment", deployment, "-o", "jsonpath={.spec.template.spec.serviceAccountName}");
        Assert.Equal($"nexus-nexus-ai-jobs-{component}", account);
        Assert.Equal(account, await admin.OkAsync(null, "get", "serviceaccount", account, "-o", "jsonpath={.metadata.name}"));

        var pod = await LocalPods.ReadyAsync(admin, "app.kubernetes.io/name=" + deployment);
        var environ = (await File.ReadAllTextAsync($"/proc/{pod.Pid}/environ")).Split('\0');
        Assert.Contains($"KUBECONFIG={Path.Combine(stack.RunDirectory, component + ".kubeconfig")}", environ);
    }

    [Fact]
    public async Task The_gateway_reads_but_may_not_write_secrets_and_the_operator_may_not_read_them()
    {
        using var gateway = new Kubectl(Path.Combine(stack.RunDirectory, "gateway.kubeconfig"));
        using var op = new Kubectl(Path.Combine(stack.RunDirectory, "operator.kubeconfig"));

        Assert.Contains("nexus.ai/api-key", await gateway.OkAsync(null, "get", "secrets", "-o", "jsonpath={.items[*].metadata.labels}"));
        var create = await gateway.RunAsync(null, "create", "secret", "generic", "rbac-probe", "--from-literal=k=v");
        Assert.NotEqual(0, create.ExitCode);
        Assert.Contains("forbidden", create.Stderr, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("system:serviceaccount:", create.Stderr);
        Assert.Contains("cannot create resource \"secrets\"", create.Stderr);

        var read = await op.RunAsync(null, "get", "secrets");
        Assert.NotEqual(0, read.ExitCode);
        Assert.Contains("cannot list resource \"secrets\"", read.Stderr);
        // What the operator's Role grants works with the same token.
        Assert.Equal(0, (await op.RunAsync(null, "get", "aijobs")).ExitCode);
        Assert.Equal(0, (await op.RunAsync(null, "get", "deployments")).ExitCode);
    }
}
