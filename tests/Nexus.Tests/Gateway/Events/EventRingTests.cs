using System.Text;
using Microsoft.AspNetCore.Http;
using Nexus.Crds.Entities;
using Nexus.Gateway.Events;

namespace Nexus.Tests.Gateway.Events;

/// <summary>The ring's positions and the per-stream buffer, without HTTP: what a slow client costs and when it is cut.</summary>
public sealed class EventRingTests
{
    private static JobChange Change(string name, string phase = JobPhases.Queued, string tenant = "acme") =>
        new(name, tenant, JobTypes.PricingRecalculate, phase, null, DateTimeOffset.UtcNow, $$"""{"id":"{{name}}","status":"{{phase.ToLowerInvariant()}}"}""", null);

    [Fact]
    public void Sequences_increase_and_overwritten_positions_are_neither_read_nor_resumed()
    {
        var ring = new EventRing(4, "e1");
        ring.Append([.. Enumerable.Range(1, 6).Select(i => Change("job-" + i))]);
        Assert.Equal(6, ring.Head);
        Assert.False(ring.TryGet(2, out _));
        Assert.True(ring.TryGet(3, out var third) && third.Name == "job-3" && third.Sequence == 3);
        Assert.False(ring.TryGet(7, out _));

        Assert.Equal((2L, (string?)null), ring.Resume(new StreamPosition("e1", 2)));
        Assert.Equal((6L, ResetReasons.Expired), ring.Resume(new StreamPosition("e1", 1)));
        Assert.Equal((6L, ResetReasons.UnknownEpoch), ring.Resume(new StreamPosition("e2", 5)));
        Assert.Equal((6L, ResetReasons.UnknownEpoch), ring.Resume(new StreamPosition("e1", 7)));
        Assert.Equal((6L, (string?)null), ring.Resume(null));
    }

    [Fact]
    public void Ids_parse_only_in_the_shape_the_ring_writes()
    {
        Assert.True(StreamPosition.TryParse("3f9a2c7e1b-1042", out var p));
        Assert.Equal(new StreamPosition("3f9a2c7e1b", 1042), p);
        Assert.Equal("3f9a2c7e1b-1042", p.ToString());
        foreach (var bad in new[] { "", "12", "-1", "abc-", "ABC-1", "e1--1", "e1-1.5", "e1-99999999999999999999", new string('a', 40) + "-1" })
            Assert.False(StreamPosition.TryParse(bad, out _), bad);
    }

    [Fact]
    public async Task A_client_that_stops_reading_is_cut_with_reset_once_the_ring_passes_it()
    {
        var ring = new EventRing(8, "e1");
        var body = new GatedBody();
        var http = new DefaultHttpContext { Response = { Body = body } };
        using var stopping = new CancellationTokenSource();
        var settings = new EventStreamSettings(TimeSpan.FromMinutes(5), 1000, TimeSpan.FromMinutes(5), stopping.Token);
        var stream = new EventStreamResult(ring, settings, new StreamStart(0, c => c.Tenant == "acme")).ExecuteAsync(http);

        await body.Written.Task.WaitAsync(TimeSpan.FromSeconds(30)); // the opening
        body.Hold(); // the client stops reading: the next write waits
        ring.Append([Change("job-1")]);
        await body.Blocked.Task.WaitAsync(TimeSpan.FromSeconds(30));
        // The ring moves on past the stream's place while it is stuck: nothing is queued for it meanwhile.
        ring.Append([.. Enumerable.Range(2, 20).Select(i => Change("job-" + i))]);
        body.Release();
        await stream.WaitAsync(TimeSpan.FromSeconds(30));

        var text = body.Text;
        Assert.Contains("data: {\"id\":\"job-1\"", text);
        Assert.DoesNotContain("\"job-2\"", text);
        Assert.Contains("event: reset\ndata: {\"reason\":\"too_slow\"", text);
        Assert.EndsWith("\n\n", text);
    }

    [Fact]
    public async Task A_stream_shows_only_what_its_filter_lets_through_and_a_job_stream_ends_at_the_terminal_change()
    {
        var ring = new EventRing(64, "e1");
        var body = new GatedBody();
        var http = new DefaultHttpContext { Response = { Body = body } };
        var settings = new EventStreamSettings(TimeSpan.FromMinutes(5), 1000, TimeSpan.FromMinutes(5), CancellationToken.None);
        ring.Append([Change("job-a"), Change("job-b", tenant: "other"), Change("job-a", JobPhases.Running), Change("job-c"), Change("job-a", JobPhases.Completed), Change("job-a", JobPhases.Completed)]);
        await new EventStreamResult(ring, settings, new StreamStart(0, c => c.Name == "job-a" && c.Tenant == "acme") { JobName = "job-a" })
            .ExecuteAsync(http).WaitAsync(TimeSpan.FromSeconds(30));
        var ids = body.Text.Split('\n').Where(l => l.StartsWith("id: ", StringComparison.Ordinal)).ToList();
        Assert.Equal(["id: e1-0", "id: e1-1", "id: e1-3", "id: e1-5"], ids);
        Assert.DoesNotContain("job-b", body.Text);
    }

    /// <summary>A response body the test can stop taking bytes, as a client that does not read.</summary>
    private sealed class GatedBody : Stream
    {
        private readonly MemoryStream _bytes = new();
        private TaskCompletionSource? _gate;

        public TaskCompletionSource Written { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public TaskCompletionSource Blocked { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public string Text
        {
            get { lock (_bytes) return Encoding.UTF8.GetString(_bytes.ToArray()); }
        }

        public void Hold() => _gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Release() => _gate?.TrySetResult();

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_gate is { } gate)
            {
                Blocked.TrySetResult();
                await gate.Task.WaitAsync(cancellationToken);
            }
            lock (_bytes) _bytes.Write(buffer.Span);
            Written.TrySetResult();
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush() { }
        public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => _bytes.Length;
        public override long Position { get => _bytes.Position; set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
