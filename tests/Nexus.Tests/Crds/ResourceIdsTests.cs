using Nexus.Crds.Entities;

namespace Nexus.Tests.Crds;

public class ResourceIdsTests
{
    [Fact]
    public void Job_name_and_rest_id_map_losslessly_both_ways()
    {
        var name = ResourceIds.NewJobName();
        Assert.Matches("^job-[0-9a-hjkmnp-tv-z]{26}$", name);
        var id = ResourceIds.JobIdFromName(name);
        Assert.Matches("^job_[0-9A-HJKMNP-TV-Z]{26}$", id);
        Assert.True(ResourceIds.TryJobNameFromId(id, out var back));
        Assert.Equal(name, back);
    }

    [Fact]
    public void Batch_ids_map_like_job_ids()
    {
        var name = ResourceIds.NewBatchName();
        var id = ResourceIds.BatchIdFromName(name);
        Assert.StartsWith("batch_", id);
        Assert.True(ResourceIds.TryBatchNameFromId(id, out var back));
        Assert.Equal(name, back);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("job_")]
    [InlineData("job_01HXK9MZPQ3B8C7D2E5F6G")] // 22 characters: too short for a ULID
    [InlineData("job_81ARZ3NDEKTSV4RRFFQ69G5FAV")] // first character above 7 overflows 128 bits
    [InlineData("job_01ARZ3NDEKTSV4RRFFQ69G5FAU")] // U is not in Crockford's alphabet
    [InlineData("batch_01ARZ3NDEKTSV4RRFFQ69G5FAV")]
    [InlineData("../job_01ARZ3NDEKTSV4RRFFQ69G5FAV")]
    public void Malformed_job_ids_are_rejected(string? id)
    {
        Assert.False(ResourceIds.TryJobNameFromId(id, out _));
    }

    [Fact]
    public void Ulids_sort_by_creation_time_and_carry_it()
    {
        var early = Ulid.NewUlid(DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000));
        var late = Ulid.NewUlid(DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_001));
        Assert.True(string.CompareOrdinal(early, late) < 0);
        Assert.Equal(1_700_000_000_000, Ulid.Time(early).ToUnixTimeMilliseconds());
    }

    [Fact]
    public void Ulids_made_in_a_burst_sort_in_the_order_they_were_made()
    {
        // Thousands fall in the same millisecond: without monotonic generation their order would be random,
        // and "newest first" listings would shuffle jobs dispatched together.
        var ulids = Enumerable.Range(0, 10_000).Select(_ => Ulid.NewUlid()).ToList();
        for (var i = 1; i < ulids.Count; i++)
            Assert.True(string.CompareOrdinal(ulids[i - 1], ulids[i]) < 0, $"{ulids[i - 1]} !< {ulids[i]} at {i}");
        Assert.All(ulids, u => Assert.True(Ulid.IsValid(u)));
    }

    [Fact]
    public void Names_not_made_by_the_platform_keep_their_name_as_id()
    {
        Assert.Equal("sample-pricing", ResourceIds.JobIdFromName("sample-pricing"));
    }
}
