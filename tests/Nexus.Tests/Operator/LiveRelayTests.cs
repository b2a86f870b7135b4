using Microsoft.Extensions.Logging.Abstractions;
using Nexus.Crds.Entities;
using Nexus.Operator.Dispatch;
using Nexus.Operator.Live;
using Nexus.Shared.History;

namespace Nexus.Tests.Operator;

/// <summary>The relay's batching: changes between two flushes cost one row per job, in one write.</summary>
public sealed class LiveRelayTests
{
    private readonly List<IReadOnlyList<LiveJobSignal>> _writes = [];
    private Exception? _fail;

    private LiveRelay Relay() => new((signals, _) =>
    {
        if (_fail is { } e) throw e;
        _writes.Add(signals);
        return Task.FromResult(signals.Count);
    }, NullLogger.Instance);

    private static readonly string A = ResourceIds.NewJobName();
    private static readonly string B = ResourceIds.NewJobName();

    [Fact]
    public async Task Several_changes_of_one_job_between_flushes_are_one_row_of_one_write()
    {
        var relay = Relay();
        relay.ReportProgress(A, "acme", 1, 0.1);
        relay.ReportProgress(A, "acme", 1, 0.2);
        relay.ReportProgress(A, "acme", 1, 0.3);
        relay.ReportProgress(B, "globex", 2, 0.5);

        Assert.Equal(2, await relay.FlushAsync(default));

        var write = Assert.Single(_writes);
        Assert.Equal(2, write.Count);
        var a = write.Single(s => s.Name == A);
        Assert.Equal((ResourceIds.JobIdFromName(A), "acme", 1, 0.3f), (a.JobId, a.Tenant, a.Attempt, a.Progress));
        Assert.Equal((2, 0.5f), (write.Single(s => s.Name == B).Attempt, write.Single(s => s.Name == B).Progress));
    }

    [Fact]
    public async Task Nothing_changed_means_nothing_written()
    {
        var relay = Relay();
        relay.ReportProgress(A, "acme", 1, 0.4);
        await relay.FlushAsync(default);
        relay.ReportProgress(A, "acme", 1, 0.4);            // the same value again
        relay.ReportProgress(A, "acme", 1, 0.40000000001);  // below what the table stores

        Assert.Equal(0, await relay.FlushAsync(default));
        Assert.Single(_writes);
        relay.ReportProgress(A, "acme", 2, 0.4);            // a new attempt is a change
        Assert.Equal(1, await relay.FlushAsync(default));
    }

    [Fact]
    public async Task Queue_places_are_set_changed_and_cleared_when_a_job_leaves_the_queue()
    {
        var relay = Relay();
        relay.SetPositions(new Dictionary<string, QueuePlace> { [A] = new("acme", 1, 1), [B] = new("acme", 2, 1) });
        await relay.FlushAsync(default);
        relay.SetPositions(new Dictionary<string, QueuePlace> { [A] = new("acme", 1, 1), [B] = new("acme", 2, 1) });
        Assert.Equal(0, await relay.FlushAsync(default));

        // A was claimed: B moves up, A loses its place.
        relay.SetPositions(new Dictionary<string, QueuePlace> { [B] = new("acme", 1, 1) });
        await relay.FlushAsync(default);

        var write = _writes[^1];
        Assert.Equal(2, write.Count);
        Assert.Null(write.Single(s => s.Name == A).QueuePosition);
        Assert.Equal(1, write.Single(s => s.Name == B).QueuePosition);
    }

    [Fact]
    public async Task A_failed_write_is_retried_with_the_latest_values_and_a_forgotten_job_is_dropped()
    {
        var relay = Relay();
        relay.ReportProgress(A, "acme", 1, 0.1);
        relay.ReportProgress(B, "acme", 1, 0.1);
        _fail = new HistoryUnavailableException("down", new TimeoutException());

        Assert.Equal(0, await relay.FlushAsync(default));
        Assert.Equal(2, relay.Pending);

        relay.ReportProgress(A, "acme", 1, 0.6);
        relay.Forget(B);
        _fail = null;
        Assert.Equal(1, await relay.FlushAsync(default));
        var write = Assert.Single(_writes);
        Assert.Equal((A, 0.6f), (write[0].Name, write[0].Progress));
        Assert.Equal(1, relay.Tracked);
    }
}
