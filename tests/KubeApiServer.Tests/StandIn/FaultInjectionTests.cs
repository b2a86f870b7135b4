using Nexus.KubeApiServer.Tests.Support;

namespace Nexus.KubeApiServer.Tests.StandIn;

/// <summary>The stand-in's test hooks: failures, latency, dropped watches, compaction (410), request counters.</summary>
public class FaultInjectionTests : IAsyncLifetime
{
    KubeApiServer _server = null!;
    Kubernetes _client = null!;
    AiJobs _jobs = null!;

    public async Task InitializeAsync()
    {
        _server = await KubeApiServer.StartAsync(new KubeApiServerOptions { CrdPaths = { RepoRoot.Crds } });
        _client = _server.CreateClient();
        _jobs = new AiJobs(_client, "default");
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task FailNext_fails_exactly_the_matching_requests()
    {
        _server.Faults.FailNext(2, 503, verb: "list", resource: "aijobs");
        await _jobs.CreateAsync(AiJobs.New("f"));
        var (code1, status) = await StatusOf.FailureAsync(() => _jobs.ListAsync());
        var (code2, _) = await StatusOf.FailureAsync(() => _jobs.ListAsync());
        Assert.Equal((503, 503), (code1, code2));
        Assert.Equal("ServiceUnavailable", status["reason"]!.GetValue<string>());
        Assert.Single((await _jobs.ListAsync())["items"]!.AsArray());
    }

    [Fact]
    public async Task DropAllWatches_ends_open_streams()
    {
        using var watch = _jobs.Watch(null);
        await Eventually.UntilAsync(() => Task.FromResult(_server.OpenWatches == 1), "the watch to open");
        Assert.Equal(1, _server.Faults.DropAllWatches());
        var ended = await Task.WhenAny(watch.Closed, Task.Delay(TimeSpan.FromSeconds(20)));
        Assert.Same(watch.Closed, ended);
    }

    [Fact]
    public async Task Latency_delays_requests_without_failing_them()
    {
        _server.Faults.Latency = TimeSpan.FromMilliseconds(200);
        var sw = System.Diagnostics.Stopwatch.StartNew();
        await _jobs.ListAsync();
        sw.Stop();
        _server.Faults.Latency = TimeSpan.Zero;
        Assert.True(sw.Elapsed >= TimeSpan.FromMilliseconds(190), $"took {sw.Elapsed}");
    }

    [Fact]
    public async Task Watch_from_a_compacted_resourceVersion_gets_ERROR_410_Expired()
    {
        var created = await _jobs.CreateAsync(AiJobs.New("old"));
        await _jobs.PatchAsync("old", """{"spec":{"priority":"high"}}""");
        _server.Faults.CompactHistory();
        using var watch = _jobs.Watch(AiJobs.Rv(created));
        await Eventually.UntilAsync(() => Task.FromResult(watch.Errors.Count > 0), "the 410 error event");
        var error = Assert.IsType<KubernetesException>(watch.Errors[0]);
        Assert.Equal(410, error.Status.Code);
        Assert.Equal("Expired", error.Status.Reason);
        Assert.StartsWith($"too old resource version: {AiJobs.Rv(created)}", error.Status.Message);
    }

    [Fact]
    public async Task History_window_option_expires_old_resourceVersions()
    {
        _server.HistoryLimit = 3;
        var first = await _jobs.CreateAsync(AiJobs.New("h0"));
        for (var i = 1; i < 6; i++) await _jobs.CreateAsync(AiJobs.New($"h{i}"));
        using var expired = _jobs.Watch(AiJobs.Rv(first));
        await Eventually.UntilAsync(() => Task.FromResult(expired.Errors.Count > 0), "the 410 error event");
        var recentRv = (await _jobs.GetAsync("h4"))["metadata"]!["resourceVersion"]!.GetValue<string>();
        using var recent = _jobs.Watch(recentRv);
        var e = await recent.NextAsync();
        Assert.Equal("h5", e.Object["metadata"]!["name"]!.GetValue<string>());
    }

    [Fact]
    public async Task Expired_continue_token_is_410()
    {
        for (var i = 0; i < 3; i++) await _jobs.CreateAsync(AiJobs.New($"c{i}"));
        var page = await _jobs.ListAsync(limit: 1);
        await _jobs.CreateAsync(AiJobs.New("later"));
        _server.Faults.CompactHistory();
        var (code, status) = await StatusOf.FailureAsync(() => _jobs.ListAsync(limit: 1, continueToken: page["metadata"]!["continue"]!.GetValue<string>()));
        Assert.Equal(410, code);
        Assert.Equal("Expired", status["reason"]!.GetValue<string>());
    }

    [Fact]
    public async Task Bookmarks_carry_only_a_resourceVersion()
    {
        var created = await _jobs.CreateAsync(AiJobs.New("bm"));
        using var watch = _jobs.Watch(AiJobs.Rv(created), bookmarks: true);
        var bookmark = await watch.NextMatchingAsync((type, _) => type == WatchEventType.Bookmark);
        Assert.True(long.Parse(AiJobs.Rv(bookmark.Object)) >= long.Parse(AiJobs.Rv(created)));
        Assert.Null(bookmark.Object["spec"]);
    }

    [Fact]
    public async Task Request_counters_show_nothing_beyond_the_watch()
    {
        using var watch = _jobs.Watch(null);
        await Eventually.UntilAsync(() => Task.FromResult(_server.OpenWatches == 1), "the watch to open");
        _server.Requests.Reset();
        using var other = _server.CreateClient();
        await new AiJobs(other, "default").CreateAsync(AiJobs.New("counted"));
        await watch.NextMatchingAsync((type, o) => o["metadata"]!["name"]!.GetValue<string>() == "counted");
        Assert.Equal(1, _server.Requests.Total);
        Assert.Equal(1, _server.Requests.CountByVerb("create"));
        Assert.Equal(0, _server.Requests.CountByVerb("list"));
        Assert.Equal(1, _server.Requests.CountByPath("POST", "/apis/nexus.ai/v1/namespaces/default/aijobs"));
    }
}
