using System.Text.Json;
using System.Threading.Channels;
using Nexus.Gateway.Api;
using Nexus.Gateway.Cache;
using Nexus.Gateway.Jobs;

namespace Nexus.Gateway.Events;

/// <summary>
/// Turns the informer cache's changes (<see cref="JobIndex.Changed"/>, raised on the watch loop) into the event ring:
/// the handler only queues them; one loop renders each change's view, drops those that change nothing a client sees
/// (a finalizer, <c>status.archivedAt</c>, a write repeating the last one) and appends the rest in the cache's order.
/// A deletion (archival's end) is appended as a <see cref="JobChange.Gone"/> change, which no stream sends.
/// </summary>
public sealed class JobEventFeed : IHostedService
{
    /// <summary>How long the one rendering of a finished job's view may wait on the history database or the API server.</summary>
    public static readonly TimeSpan RenderTimeout = TimeSpan.FromSeconds(5);

    private readonly Channel<(CachedJob? Previous, CachedJob? Next)> _changes =
        Channel.CreateUnbounded<(CachedJob?, CachedJob?)>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = false });
    private readonly JobViews _views;
    private readonly int _maxViewBytes;
    private readonly ILogger _log;
    private readonly CancellationTokenSource _stop = new();
    private Task _loop = Task.CompletedTask;

    public JobEventFeed(JobIndex index, EventRing ring, JobViews views, int maxResultKb, ILogger<JobEventFeed> log)
    {
        Ring = ring;
        _views = views;
        _maxViewBytes = maxResultKb * 1024;
        _log = log;
        index.Changed += (previous, next) => _changes.Writer.TryWrite((previous, next));
    }

    public EventRing Ring { get; }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _loop = Task.Run(() => PumpAsync(_stop.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _changes.Writer.TryComplete();
        await _loop.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task PumpAsync(CancellationToken ct)
    {
        var batch = new List<JobChange>();
        try
        {
            while (await _changes.Reader.WaitToReadAsync(ct).ConfigureAwait(false))
            {
                batch.Clear();
                while (batch.Count < 1024 && _changes.Reader.TryRead(out var change))
                {
                    if (ToChange(change.Previous, change.Next) is { } taken) batch.Add(taken);
                }
                Ring.Append(batch);
                EventMetrics.RingHead.Set(Ring.Head);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    /// <summary>The ring's entry for one change; null when the client would see nothing new.</summary>
    private JobChange? ToChange(CachedJob? previous, CachedJob? next)
    {
        if (next is null)
        {
            if (previous is null || Ring.Latest(previous.Name) is null) return null;
            return new JobChange(previous.Name, previous.Tenant, previous.Type, previous.Phase, previous.Phase, previous.CreatedAt, "", null, gone: true);
        }
        string summary;
        try
        {
            summary = JsonSerializer.Serialize(JobMapper.ToView(next), ApiJson.Options);
        }
        catch (Exception e) when (e is InvalidOperationException or JsonException or FormatException)
        {
            _log.LogWarning("cannot render job {Name} for event streams: {Error}", next.Name, e.Message);
            return null;
        }
        var last = Ring.Latest(next.Name);
        if (last is not null && last.SummaryJson == summary) return null;
        var render = next.IsTerminal ? () => RenderFinishedAsync(next, summary) : (Func<Task<string>>?)null;
        return new JobChange(next.Name, next.Tenant, next.Type, next.Phase, last?.Phase ?? previous?.Phase, next.CreatedAt, summary, render)
        {
            Metadata = next.Job.Spec.Metadata,
        };
    }

    /// <summary>
    /// A finished job's full view (with its result), as GET answers it. A result that makes it larger than the limit
    /// is left out (the ring and every stream would hold it), and so is one neither the history database nor the API
    /// server gives in time: then the event carries the view without its result, which GET has.
    /// </summary>
    private async Task<string> RenderFinishedAsync(CachedJob job, string summary)
    {
        using var timeout = new CancellationTokenSource(RenderTimeout);
        try
        {
            var full = JsonSerializer.Serialize(await _views.OfCachedAsync(job, timeout.Token).ConfigureAwait(false), ApiJson.Options);
            return full.Length - summary.Length > _maxViewBytes ? summary : full;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            _log.LogWarning("event of finished job {Name} sent without its result: {Error}", job.Name, e.Message);
            return summary;
        }
    }
}
