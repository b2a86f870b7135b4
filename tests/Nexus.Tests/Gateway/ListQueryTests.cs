using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using Nexus.Crds.Entities;
using Nexus.Gateway.Outcomes;
using Nexus.Gateway.Cache;
using Nexus.Gateway.Jobs;

namespace Nexus.Tests.Gateway;

public class ListQueryTests
{
    private static (ListQuery? Query, Rejection? Error) Parse(params (string Key, string Value)[] pairs) =>
        ListQuery.Parse(new QueryCollection(pairs.ToDictionary(p => p.Key, p => new StringValues(p.Value))));

    [Fact]
    public void Defaults_are_limit_50_no_filters()
    {
        var (query, error) = Parse();
        Assert.Null(error);
        Assert.Equal(50, query!.Limit);
    }

    [Theory]
    [InlineData("limit", "0")]
    [InlineData("limit", "201")]
    [InlineData("limit", "ten")]
    [InlineData("status", "sleeping")]
    [InlineData("start_date", "yesterday")]
    [InlineData("cursor", "not-a-cursor")]
    [InlineData("colour", "blue")]
    public void Bad_query_parameters_are_INVALID_QUERY(string key, string value)
    {
        var (_, error) = Parse((key, value));
        Assert.Equal(ErrorCodes.InvalidQuery, error!.Code);
        Assert.Equal(400, new Nexus.Gateway.Api.ApiError(error).Status);
        Assert.Equal(key, error.Details!.Single().Field);
    }

    [Fact]
    public void An_unknown_type_filter_is_INVALID_JOB_TYPE()
    {
        Assert.Equal(ErrorCodes.InvalidJobType, Parse(("type", "teleport")).Error!.Code);
    }

    [Fact]
    public void A_date_only_end_date_includes_that_whole_day()
    {
        var (query, _) = Parse(("start_date", "2026-03-12"), ("end_date", "2026-03-12"));
        Assert.Equal(new DateTimeOffset(2026, 3, 12, 0, 0, 0, TimeSpan.Zero), query!.Start);
        Assert.True(query.End > new DateTimeOffset(2026, 3, 12, 23, 59, 59, 999, TimeSpan.Zero));
        Assert.True(query.End < new DateTimeOffset(2026, 3, 13, 0, 0, 0, TimeSpan.Zero));
    }

    [Fact]
    public void Paging_walks_every_matching_job_newest_first_without_repeats()
    {
        var start = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        // Several jobs share a millisecond: the name breaks ties, so none is skipped or repeated.
        var jobs = Enumerable.Range(0, 23)
            .Select(i => CachedJob.From(GatewayFixtures.Job(tenant: "acme", createdAt: start.AddMilliseconds(i / 3))))
            .Append(CachedJob.From(GatewayFixtures.Job(tenant: "other", createdAt: start)))
            .ToList();

        var seen = new List<CachedJob>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var (query, error) = cursor is null ? Parse(("limit", "5")) : Parse(("limit", "5"), ("cursor", cursor));
            Assert.Null(error);
            var (page, hasMore) = query!.Run(jobs, "acme");
            seen.AddRange(page);
            cursor = hasMore ? new PageCursor(page[^1].CreatedAt.ToUnixTimeMilliseconds(), page[^1].Name).Encode() : null;
            pages++;
        }
        while (cursor is not null);

        Assert.Equal(5, pages);
        Assert.Equal(23, seen.Select(j => j.Name).Distinct().Count());
        Assert.All(seen, j => Assert.Equal("acme", j.Tenant));
        Assert.Equal(seen.OrderByDescending(j => j.CreatedAt).ThenByDescending(j => j.Name, StringComparer.Ordinal).Select(j => j.Name),
            seen.Select(j => j.Name));
    }

    [Fact]
    public void Filters_apply_to_type_status_and_dates()
    {
        var day = new DateTimeOffset(2026, 3, 12, 10, 0, 0, TimeSpan.Zero);
        var jobs = new[]
        {
            CachedJob.From(GatewayFixtures.Job(type: JobTypes.CompetitorScan, createdAt: day)),
            CachedJob.From(GatewayFixtures.Job(type: JobTypes.PricingRecalculate, phase: JobPhases.Running, createdAt: day)),
            CachedJob.From(GatewayFixtures.Job(type: JobTypes.PricingRecalculate, createdAt: day.AddDays(2))),
        };
        Assert.Single(Parse(("type", "competitor_scan")).Query!.Run(jobs, "acme").Page);
        Assert.Single(Parse(("status", "running")).Query!.Run(jobs, "acme").Page);
        Assert.Equal(2, Parse(("end_date", "2026-03-12")).Query!.Run(jobs, "acme").Page.Count);
        Assert.Single(Parse(("start_date", "2026-03-13T00:00:00Z")).Query!.Run(jobs, "acme").Page);
    }

    [Fact]
    public void Cursors_round_trip_and_reject_tampering()
    {
        var cursor = new PageCursor(1_700_000_000_123, "job-01arz3ndektsv4rrffq69g5fav");
        Assert.True(PageCursor.TryDecode(cursor.Encode(), out var decoded));
        Assert.Equal(cursor, decoded);
        Assert.False(PageCursor.TryDecode("!!!", out _));
        Assert.False(PageCursor.TryDecode(Convert.ToBase64String("v2|1|x"u8.ToArray()), out _));
    }
}
