using Nexus.KubeApiServer.Tests.Support;

namespace Nexus.KubeApiServer.Tests.StandIn;

/// <summary>History compacted as etcd is under kube-apiserver: by age and by count, with 410 for what is gone.</summary>
public class CompactionTests : IAsyncLifetime
{
    KubeApiServer _server = null!;
    Kubernetes _client = null!;
    AiJobs _jobs = null!;

    public async Task InitializeAsync()
    {
        _server = await KubeApiServer.StartAsync(new KubeApiServerOptions
        {
            CrdPaths = { RepoRoot.Crds }, HistoryMaxAge = TimeSpan.FromMilliseconds(300),
        });
        _client = _server.CreateClient();
        _jobs = new AiJobs(_client, "default");
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task Changes_older_than_the_compaction_age_are_dropped_while_idle_and_their_resourceVersions_expire()
    {
        var created = await _jobs.CreateAsync(AiJobs.New("aged"));
        var rv = long.Parse(AiJobs.Rv(created));
        for (var i = 0; i < 5; i++) await _jobs.PatchAsync("aged", "{\"metadata\":{\"labels\":{\"n\":\"" + i + "\"}}}");
        var last = long.Parse(AiJobs.Rv(await _jobs.GetAsync("aged")));

        // No further writes: the compaction timer alone empties history once the changes have aged out.
        await Eventually.UntilAsync(() => Task.FromResult(_server.HistoryCount == 0), "history to be compacted");
        Assert.Equal(last, _server.CompactedResourceVersion);

        using var old = _jobs.Watch(rv.ToString());
        await Eventually.UntilAsync(() => Task.FromResult(old.Errors.Count > 0), "the 410 error event");
        var error = Assert.IsType<KubernetesException>(old.Errors[0]);
        Assert.Equal(410, error.Status.Code);
        Assert.Equal("Expired", error.Status.Reason);
        Assert.StartsWith($"too old resource version: {rv}", error.Status.Message);

        // The compacted revision itself is still a valid starting point: nothing after it was dropped.
        using var current = _jobs.Watch(last.ToString());
        await _jobs.PatchAsync("aged", """{"metadata":{"labels":{"n":"later"}}}""");
        var e = await current.NextAsync();
        Assert.Equal(WatchEventType.Modified, e.Type);
        Assert.Equal("later", e.Object["metadata"]!["labels"]!["n"]!.GetValue<string>());
    }

    [Fact]
    public async Task History_is_bounded_by_count_as_well_as_by_age()
    {
        _server.HistoryMaxAge = TimeSpan.FromMinutes(5);
        _server.HistoryLimit = 10;
        await _jobs.CreateAsync(AiJobs.New("many"));
        for (var i = 0; i < 30; i++) await _jobs.PatchStatusAsync("many", "{\"status\":{\"attempts\":" + (i + 1) + "}}");
        Assert.Equal(10, _server.HistoryCount);
        Assert.Equal(_server.ResourceVersion - 10, _server.CompactedResourceVersion);
    }

    [Fact]
    public async Task Continue_token_from_before_a_compaction_is_410()
    {
        for (var i = 0; i < 3; i++) await _jobs.CreateAsync(AiJobs.New($"page-{i}"));
        var page = await _jobs.ListAsync(limit: 1);
        await _jobs.CreateAsync(AiJobs.New("after"));
        await Eventually.UntilAsync(() => Task.FromResult(_server.HistoryCount == 0), "history to be compacted");
        var (code, status) = await StatusOf.FailureAsync(() => _jobs.ListAsync(limit: 1, continueToken: page["metadata"]!["continue"]!.GetValue<string>()));
        Assert.Equal(410, code);
        Assert.Equal("Expired", status["reason"]!.GetValue<string>());
    }
}
