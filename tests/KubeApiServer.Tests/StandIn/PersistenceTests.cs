using Nexus.KubeApiServer.Tests.Support;

namespace Nexus.KubeApiServer.Tests.StandIn;

/// <summary>--data-file: objects survive a restart, resourceVersions keep increasing, a torn last write is ignored.</summary>
public class PersistenceTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("standin-data-").FullName;
    string DataFile => Path.Combine(_dir, "objects.jsonl");

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    [Fact]
    public async Task Objects_custom_resource_types_and_resourceVersions_survive_a_restart()
    {
        long lastRv;
        string uid;
        await using (var first = await KubeApiServer.StartAsync(new KubeApiServerOptions { CrdPaths = { RepoRoot.Crds }, DataFile = DataFile }))
        {
            using var client = first.CreateClient();
            var jobs = new AiJobs(client, "default");
            uid = (await jobs.CreateAsync(AiJobs.New("kept")))["metadata"]!["uid"]!.GetValue<string>();
            await jobs.PatchStatusAsync("kept", """{"status":{"phase":"Running","attempts":2}}""");
            await jobs.CreateAsync(AiJobs.New("gone"));
            await jobs.DeleteAsync("gone");
            await client.CoreV1.CreateNamespacedSecretAsync(new V1Secret
            {
                Metadata = new V1ObjectMeta { Name = "key" }, StringData = new Dictionary<string, string> { ["hash"] = "abc" },
            }, "default");
            lastRv = first.ResourceVersion;
        }

        // Restarted without CRD paths: the AiJob type is served from the stored CRD.
        await using var second = await KubeApiServer.StartAsync(new KubeApiServerOptions { DataFile = DataFile });
        using var again = second.CreateClient();
        var restarted = new AiJobs(again, "default");
        var kept = await restarted.GetAsync("kept");
        Assert.Equal(uid, kept["metadata"]!["uid"]!.GetValue<string>());
        Assert.Equal("Running", kept["status"]!["phase"]!.GetValue<string>());
        Assert.False(await restarted.ExistsAsync("gone"));
        Assert.Equal("abc", System.Text.Encoding.UTF8.GetString((await again.CoreV1.ReadNamespacedSecretAsync("key", "default")).Data["hash"]));
        Assert.Equal(lastRv, second.ResourceVersion);

        var next = await restarted.CreateAsync(AiJobs.New("after"));
        Assert.True(long.Parse(AiJobs.Rv(next)) > lastRv);
        // A watch from before the restart cannot be resumed: its history is gone (410), so clients re-list.
        using var watch = restarted.Watch((lastRv - 1).ToString());
        await Eventually.UntilAsync(() => Task.FromResult(watch.Errors.Count > 0), "the 410 error event");
        Assert.Equal(410, Assert.IsType<KubernetesException>(watch.Errors[0]).Status.Code);
    }

    [Fact]
    public async Task A_torn_last_line_from_a_crash_is_ignored()
    {
        await using (var first = await KubeApiServer.StartAsync(new KubeApiServerOptions { CrdPaths = { RepoRoot.Crds }, DataFile = DataFile }))
        {
            using var client = first.CreateClient();
            await new AiJobs(client, "default").CreateAsync(AiJobs.New("whole"));
        }
        await File.AppendAllTextAsync(DataFile, "{\"rv\":99999,\"key\":\"aijobs.nexus.ai\",\"ns\":\"default\",\"name\":\"torn\",\"obj");

        await using var second = await KubeApiServer.StartAsync(new KubeApiServerOptions { DataFile = DataFile });
        using var again = second.CreateClient();
        var jobs = new AiJobs(again, "default");
        Assert.True(await jobs.ExistsAsync("whole"));
        Assert.False(await jobs.ExistsAsync("torn"));
        Assert.True(second.ResourceVersion < 99999);
        // The file was rewritten as a clean snapshot at start: a third start reads it without complaint.
        Assert.DoesNotContain("torn", await File.ReadAllTextAsync(DataFile));
    }
}
