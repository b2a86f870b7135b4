using Nexus.KubeApiServer.Tests.Support;

namespace Nexus.KubeApiServer.Tests.Conformance;

/// <summary>List selectors and paging, and watch from a resourceVersion.</summary>
public class ListWatchTests
{
    static async Task<AiJobs> JobsAsync(string target)
    {
        var t = await ClusterTarget.GetAsync(target);
        return new AiJobs(t.Client, await t.NewNamespaceAsync());
    }

    static List<string> Names(JsonObject list) =>
        list["items"]!.AsArray().Select(i => i!["metadata"]!["name"]!.GetValue<string>()).Order().ToList();

    [Theory, StandIn, RealCluster]
    public async Task Label_and_field_selectors_filter_lists(string target)
    {
        var jobs = await JobsAsync(target);
        await jobs.CreateAsync(AiJobs.New("a", labels: new Dictionary<string, string> { ["tier"] = "gold", ["team"] = "x" }));
        await jobs.CreateAsync(AiJobs.New("b", labels: new Dictionary<string, string> { ["tier"] = "silver" }));
        await jobs.CreateAsync(AiJobs.New("c"));
        Assert.Equal(["a"], Names(await jobs.ListAsync(labelSelector: "tier=gold")));
        Assert.Equal(["a"], Names(await jobs.ListAsync(labelSelector: "tier==gold,team")));
        Assert.Equal(["b", "c"], Names(await jobs.ListAsync(labelSelector: "tier!=gold")));
        Assert.Equal(["a", "b"], Names(await jobs.ListAsync(labelSelector: "tier in (gold,silver)")));
        Assert.Equal(["c"], Names(await jobs.ListAsync(labelSelector: "!tier")));
        Assert.Equal(["b", "c"], Names(await jobs.ListAsync(labelSelector: "tier notin (gold)")));
        Assert.Equal(["b"], Names(await jobs.ListAsync(fieldSelector: "metadata.name=b")));
        Assert.Equal(["a", "c"], Names(await jobs.ListAsync(fieldSelector: "metadata.name!=b")));
    }

    [Theory, StandIn, RealCluster]
    public async Task Unsupported_field_selector_is_400(string target)
    {
        var jobs = await JobsAsync(target);
        var (code, status) = await StatusOf.FailureAsync(() => jobs.ListAsync(fieldSelector: "spec.tenant=acme"));
        Assert.Equal(400, code);
        Assert.Equal("BadRequest", status["reason"]!.GetValue<string>());
    }

    [Theory, StandIn, RealCluster]
    public async Task Limit_and_continue_page_through_everything_once(string target)
    {
        var jobs = await JobsAsync(target);
        for (var i = 0; i < 5; i++) await jobs.CreateAsync(AiJobs.New($"page-{i}"));
        var seen = new List<string>();
        string? token = null;
        var pages = 0;
        do
        {
            var page = await jobs.ListAsync(limit: 2, continueToken: token);
            seen.AddRange(Names(page));
            token = page["metadata"]!["continue"]?.GetValue<string>();
            pages++;
        } while (!string.IsNullOrEmpty(token));
        Assert.Equal(3, pages);
        Assert.Equal(Enumerable.Range(0, 5).Select(i => $"page-{i}"), seen.Order());
    }

    [Theory, StandIn, RealCluster]
    public async Task Watch_from_list_resourceVersion_sees_only_later_changes_in_order(string target)
    {
        var jobs = await JobsAsync(target);
        await jobs.CreateAsync(AiJobs.New("before"));
        var listRv = (await jobs.ListAsync())["metadata"]!["resourceVersion"]!.GetValue<string>();
        using var watch = jobs.Watch(listRv);
        await jobs.CreateAsync(AiJobs.New("after"));
        await jobs.PatchAsync("after", """{"spec":{"priority":"high"}}""");
        await jobs.DeleteAsync("after");
        var added = await watch.NextAsync();
        Assert.Equal((WatchEventType.Added, "after"), (added.Type, added.Object["metadata"]!["name"]!.GetValue<string>()));
        var modified = await watch.NextAsync();
        Assert.Equal(WatchEventType.Modified, modified.Type);
        Assert.Equal("high", modified.Object["spec"]!["priority"]!.GetValue<string>());
        var deleted = await watch.NextAsync();
        Assert.Equal(WatchEventType.Deleted, deleted.Type);
        Assert.True(long.Parse(AiJobs.Rv(deleted.Object)) > long.Parse(AiJobs.Rv(modified.Object)));
    }

    [Theory, StandIn, RealCluster]
    public async Task Watch_without_resourceVersion_starts_with_current_state(string target)
    {
        var jobs = await JobsAsync(target);
        await jobs.CreateAsync(AiJobs.New("x1"));
        await jobs.CreateAsync(AiJobs.New("x2"));
        foreach (var rv in new string?[] { null, "0" })
        {
            using var watch = jobs.Watch(rv);
            var names = new List<string>();
            for (var i = 0; i < 2; i++)
            {
                var e = await watch.NextAsync();
                Assert.Equal(WatchEventType.Added, e.Type);
                names.Add(e.Object["metadata"]!["name"]!.GetValue<string>());
            }
            Assert.Equal(["x1", "x2"], names.Order());
        }
    }

    [Theory, StandIn, RealCluster]
    public async Task Watch_with_label_selector_reports_objects_leaving_the_selection_as_deleted(string target)
    {
        var jobs = await JobsAsync(target);
        await jobs.CreateAsync(AiJobs.New("sel", labels: new Dictionary<string, string> { ["tier"] = "gold" }));
        using var watch = jobs.Watch(null, labelSelector: "tier=gold");
        Assert.Equal(WatchEventType.Added, (await watch.NextAsync()).Type);
        await jobs.PatchAsync("sel", """{"metadata":{"labels":{"tier":"silver"}}}""");
        Assert.Equal(WatchEventType.Deleted, (await watch.NextAsync()).Type);
    }

    [Theory, StandIn, RealCluster]
    public async Task Watch_ends_when_timeoutSeconds_elapses(string target)
    {
        var jobs = await JobsAsync(target);
        using var watch = jobs.Watch(null, timeoutSeconds: 1);
        var ended = await Task.WhenAny(watch.Closed, Task.Delay(TimeSpan.FromSeconds(30)));
        Assert.Same(watch.Closed, ended);
    }
}
