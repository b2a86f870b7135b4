using Nexus.Crds.Entities;

namespace Nexus.Tests.Gateway.Options;

/// <summary><c>metadata</c> over REST: validated, stored on the AiJob and archived, returned, and filterable in lists.</summary>
public sealed class JobMetadataTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private GatewayHarness H => fixture.Harness;

    private async Task<string> DispatchAsync(string key, object metadata)
    {
        var response = await H.PostAsync("/api/ai-jobs", key, new
        {
            type = JobTypes.CompetitorScan,
            @params = new { skus = new[] { "SKU-001" }, marketplace = "amazon_us" },
            metadata,
        });
        Assert.True(response.Status == 202, response.Text);
        return response.Data.GetProperty("id").GetString()!;
    }

    [Fact]
    public async Task Metadata_is_stored_returned_and_archived()
    {
        var key = await H.CreateKeyAsync(GatewayFixture.NewTenant());
        var id = await DispatchAsync(key, new Dictionary<string, string> { ["order"] = "po-1842", ["team.name"] = "pricing" });
        var job = await H.ReadJobAsync(GatewayHarness.NameOf(id));
        Assert.Equal("po-1842", job.Spec.Metadata!["order"]);

        var live = await H.GetAsync($"/api/ai-jobs/{id}", key);
        Assert.Equal("pricing", live.Data.GetProperty("metadata").GetProperty("team.name").GetString());

        await H.WriteStatusAsync(job, new AiJobStatus { Phase = JobPhases.Cancelled });
        await H.ArchiveAsync(id, delete: true);
        var archived = await H.GetAsync($"/api/ai-jobs/{id}", key);
        Assert.Equal("po-1842", archived.Data.GetProperty("metadata").GetProperty("order").GetString());
    }

    [Fact]
    public async Task A_job_without_metadata_has_none_in_its_view()
    {
        var key = await H.CreateKeyAsync(GatewayFixture.NewTenant());
        var id = await H.DispatchAsync(key);
        Assert.False((await H.GetAsync($"/api/ai-jobs/{id}", key)).Data.TryGetProperty("metadata", out _));
    }

    [Theory]
    [InlineData("""{"Upper": "x"}""", "metadata.Upper")]
    [InlineData("""{"-lead": "x"}""", "metadata.-lead")]
    [InlineData("""{"ok": 3}""", "metadata.ok")]
    [InlineData("""{"a\n": "x"}""", "metadata.a\n")]
    [InlineData("""{"ok": null}""", "metadata.ok")]
    [InlineData("""["a"]""", "metadata")]
    [InlineData("\"text\"", "metadata")]
    public async Task Bad_metadata_is_INVALID_REQUEST_naming_the_key(string metadata, string field)
    {
        var key = await H.CreateKeyAsync(GatewayFixture.NewTenant());
        var body = $$"""{"type": "competitor_scan", "params": {"skus": ["SKU-001"], "marketplace": "amazon_us"}, "metadata": {{metadata}}}""";
        var response = await H.PostAsync("/api/ai-jobs", key, body);
        Assert.Equal(422, response.Status);
        Assert.Equal("INVALID_REQUEST", response.ErrorCode);
        Assert.Equal(field, response.Json.GetProperty("error").GetProperty("details")[0].GetProperty("field").GetString());
    }

    [Fact]
    public async Task Too_many_keys_and_too_long_values_are_refused()
    {
        var key = await H.CreateKeyAsync(GatewayFixture.NewTenant());
        var many = Enumerable.Range(0, JobOptions.MetadataMaxKeys + 1).ToDictionary(i => $"k{i}", i => "v");
        var tooMany = await H.PostAsync("/api/ai-jobs", key, new { type = JobTypes.CompetitorScan, metadata = many });
        Assert.Equal(422, tooMany.Status);
        Assert.Contains("at most 16 keys", tooMany.Text);
        var tooLong = await H.PostAsync("/api/ai-jobs", key, new
        {
            type = JobTypes.CompetitorScan, metadata = new Dictionary<string, string> { ["k"] = new string('x', JobOptions.MetadataValueMaxLength + 1) },
        });
        Assert.Equal(422, tooLong.Status);
        Assert.Equal("INVALID_REQUEST", tooLong.ErrorCode);
        var exact = await H.PostAsync("/api/ai-jobs", key, new
        {
            type = JobTypes.CompetitorScan, @params = new { skus = new[] { "SKU-001" }, marketplace = "amazon_us" },
            metadata = Enumerable.Range(0, JobOptions.MetadataMaxKeys).ToDictionary(i => $"k{i}", _ => new string('x', JobOptions.MetadataValueMaxLength)),
        });
        Assert.True(exact.Status == 202, exact.Text);
    }

    [Fact]
    public async Task The_list_filters_live_and_archived_jobs_by_every_pair()
    {
        var tenant = GatewayFixture.NewTenant();
        var key = await H.CreateKeyAsync(tenant);
        var liveMatch = await DispatchAsync(key, new Dictionary<string, string> { ["team"] = "pricing", ["wave"] = "1" });
        var archivedMatch = await DispatchAsync(key, new Dictionary<string, string> { ["team"] = "pricing", ["wave"] = "1", ["extra"] = "y" });
        var otherWave = await DispatchAsync(key, new Dictionary<string, string> { ["team"] = "pricing", ["wave"] = "2" });
        await H.DispatchAsync(key); // no metadata at all
        var archived = await H.ReadJobAsync(GatewayHarness.NameOf(archivedMatch));
        await H.WriteStatusAsync(archived, new AiJobStatus { Phase = JobPhases.Cancelled });
        await H.ArchiveAsync(archivedMatch, delete: true);
        // Another tenant's job with the same metadata.
        var otherKey = await H.CreateKeyAsync(GatewayFixture.NewTenant());
        await DispatchAsync(otherKey, new Dictionary<string, string> { ["team"] = "pricing", ["wave"] = "1" });

        var both = await H.GetAsync("/api/ai-jobs?metadata.team=pricing&metadata.wave=1", key);
        Assert.True(both.Status == 200, both.Text);
        Assert.Equal([liveMatch, archivedMatch], both.Data.EnumerateArray().Select(j => j.GetProperty("id").GetString()!).Order());

        // Paging one at a time keeps the order and finds both once; the deepObject spelling is the same filter.
        var seen = new List<string>();
        string? cursor = null;
        do
        {
            var page = await H.GetAsync("/api/ai-jobs?metadata[team]=pricing&metadata[wave]=1&limit=1" + (cursor is null ? "" : "&cursor=" + cursor), key);
            Assert.True(page.Status == 200, page.Text);
            seen.AddRange(page.Data.EnumerateArray().Select(j => j.GetProperty("id").GetString()!));
            var pagination = page.Json.GetProperty("pagination");
            cursor = pagination.TryGetProperty("next_cursor", out var next) ? next.GetString() : null;
        } while (cursor is not null);
        Assert.Equal([archivedMatch, liveMatch], seen);

        var team = await H.GetAsync("/api/ai-jobs?metadata.team=pricing", key);
        Assert.Equal(3, team.Data.GetArrayLength());
        Assert.Contains(otherWave, team.Data.EnumerateArray().Select(j => j.GetProperty("id").GetString()));
        var cancelled = await H.GetAsync("/api/ai-jobs?metadata.team=pricing&status=cancelled", key);
        Assert.Equal(archivedMatch, Assert.Single(cancelled.Data.EnumerateArray()).GetProperty("id").GetString());
    }

    [Theory]
    [InlineData("metadata.Bad=x")]
    [InlineData("metadata.=x")]
    [InlineData("metadata[a b]=x")]
    [InlineData("metadata.a%0A=x")] // a trailing newline: the pattern is ECMA-262's, where $ is the very end
    public async Task A_bad_metadata_filter_is_INVALID_QUERY(string query)
    {
        var key = await H.CreateKeyAsync(GatewayFixture.NewTenant());
        var response = await H.GetAsync("/api/ai-jobs?" + query, key);
        Assert.Equal(400, response.Status);
        Assert.Equal("INVALID_QUERY", response.ErrorCode);
    }
}
