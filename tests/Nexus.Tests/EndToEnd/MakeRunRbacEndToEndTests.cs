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

    /// <summary>
    /// Sent with the account's token by hand, as the services' own client does: kubectl (client-go) sends no bearer
    /// token over plain http, so through kubectl the stand-in would see the administrator.
    /// </summary>
    [Fact]
    public async Task The_gateway_reads_but_may_not_write_secrets_and_the_operator_may_not_read_them()
    {
        using var gateway = AccountClient("gateway");
        using var op = AccountClient("operator");
        const string secrets = "/api/v1/namespaces/default/secrets";

        var listed = await gateway.GetAsync(secrets);
        Assert.Equal(200, (int)listed.StatusCode);
        Assert.Contains("nexus.ai/api-key", await listed.Content.ReadAsStringAsync());

        var secret = """{"apiVersion":"v1","kind":"Secret","metadata":{"name":"rbac-probe"},"stringData":{"k":"v"}}""";
        var created = await gateway.PostAsync(secrets, new StringContent(secret, System.Text.Encoding.UTF8, "application/json"));
        await AssertForbiddenAsync(created, "system:serviceaccount:default:nexus-nexus-ai-jobs-gateway", "cannot create resource \"secrets\"");
        await AssertForbiddenAsync(await op.GetAsync(secrets), "system:serviceaccount:default:nexus-nexus-ai-jobs-operator", "cannot list resource \"secrets\"");

        // What the operator's Role grants works with the same token.
        Assert.Equal(200, (int)(await op.GetAsync("/apis/nexus.ai/v1/namespaces/default/aijobs?limit=1")).StatusCode);
        Assert.Equal(200, (int)(await op.GetAsync("/apis/apps/v1/namespaces/default/deployments?limit=1")).StatusCode);
    }

    private static async Task AssertForbiddenAsync(HttpResponseMessage answer, string user, string what)
    {
        var body = await answer.Content.ReadAsStringAsync();
        Assert.True((int)answer.StatusCode == 403, $"expected 403, got {(int)answer.StatusCode}: {body}");
        var status = System.Text.Json.Nodes.JsonNode.Parse(body)!;
        Assert.Equal("Forbidden", status["reason"]!.GetValue<string>());
        Assert.Contains(user, status["message"]!.GetValue<string>());
        Assert.Contains(what, status["message"]!.GetValue<string>());
    }

    /// <summary>An HTTP client of the stand-in with the token and server of make run's kubeconfig for a component.</summary>
    private HttpClient AccountClient(string component)
    {
        var text = File.ReadAllText(Path.Combine(stack.RunDirectory, component + ".kubeconfig"));
        string Field(string name) => System.Text.RegularExpressions.Regex.Match(text, $@"^\s*{name}: (\S+)\s*$", System.Text.RegularExpressions.RegexOptions.Multiline).Groups[1].Value;
        var client = new HttpClient { BaseAddress = new Uri(Field("server")), Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", Field("token"));
        return client;
    }
}
