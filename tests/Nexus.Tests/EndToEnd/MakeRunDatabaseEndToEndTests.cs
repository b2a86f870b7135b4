using Npgsql;
using Nexus.Shared.History;

namespace Nexus.Tests.EndToEnd;

/// <summary>
/// The PostgreSQL `make run` starts: in the run directory, on 127.0.0.1, not as root, reachable with the URL it
/// printed, and that URL is what the operator's and the gateway's Deployments pass as NEXUS_DATABASE_URL.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class MakeRunDatabaseEndToEndTests(PlatformStack stack)
{
    [Fact]
    public async Task The_printed_database_url_reaches_the_private_cluster_in_the_run_directory()
    {
        Assert.Matches(@"^postgresql://nexus@127\.0\.0\.1:\d+/nexus$", stack.DatabaseUrl);
        await using var conn = new NpgsqlConnection(DatabaseUrl.ToConnectionString(stack.DatabaseUrl));
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT current_database() || ' ' || current_setting('data_directory') || ' ' || current_setting('listen_addresses')", conn);
        var parts = ((string)(await cmd.ExecuteScalarAsync())!).Split(' ');
        Assert.Equal("nexus", parts[0]);
        Assert.Equal(Path.Combine(stack.RunDirectory, "postgres", "data"), parts[1]);
        Assert.Equal("127.0.0.1", parts[2]);
        // make run's cluster keeps PostgreSQL's durable defaults (only the tests' throw-away clusters turn them off).
        await using var fsync = new NpgsqlCommand("SHOW fsync", conn);
        Assert.Equal("on", (string)(await fsync.ExecuteScalarAsync())!);

        // The server refuses root, and make run does not try: the postmaster runs as another user.
        var pid = int.Parse(File.ReadLines(Path.Combine(parts[1], "postmaster.pid")).First());
        var uid = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("Uid:", StringComparison.Ordinal)).Split('\t', StringSplitOptions.RemoveEmptyEntries)[1];
        Assert.NotEqual("0", uid);
    }

    [Theory]
    [InlineData("nexus-operator")]
    [InlineData("nexus-gateway")]
    public async Task The_operator_and_the_gateway_get_the_printed_url_as_NEXUS_DATABASE_URL(string deployment)
    {
        using var kubectl = new Kubectl(stack.Kubeconfig);
        var value = await kubectl.OkAsync(null, "get", "deployment", deployment,
            "-o", "jsonpath={.spec.template.spec.containers[0].env[?(@.name==\"NEXUS_DATABASE_URL\")].value}");
        Assert.Equal(stack.DatabaseUrl, value);
        // And the running process has it: the node agent passed the container's env.
        var pod = await LocalPods.ReadyAsync(kubectl, "app.kubernetes.io/name=" + deployment);
        var environ = (await File.ReadAllTextAsync($"/proc/{pod.Pid}/environ")).Split('\0');
        Assert.Contains("NEXUS_DATABASE_URL=" + stack.DatabaseUrl, environ);
    }
}
