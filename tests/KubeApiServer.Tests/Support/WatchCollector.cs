using System.Text.Json;
using System.Threading.Channels;
using k8s.Autorest;

namespace Nexus.KubeApiServer.Tests.Support;

/// <summary>Collects the events of a KubernetesClient watch so tests can wait for specific ones.</summary>
public sealed class WatchCollector : IDisposable
{
    readonly Channel<(WatchEventType Type, JsonObject Object)> _events = Channel.CreateUnbounded<(WatchEventType, JsonObject)>();
    readonly Watcher<JsonElement>? _watcher;
    readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    readonly List<Exception> _errors = new();

    public WatchCollector(Task<HttpOperationResponse<object>> response)
    {
        // The Task-taking overload is marked obsolete in 21.x but is the one that keeps this constructor synchronous.
#pragma warning disable CS0618
        _watcher = response.Watch<JsonElement, object>(
            (type, obj) => _events.Writer.TryWrite((type, JsonSerializer.SerializeToNode(obj)!.AsObject())),
            e => { lock (_errors) _errors.Add(e); },
            () => _closed.TrySetResult());
#pragma warning restore CS0618
    }

    public Task Closed => _closed.Task;

    public IReadOnlyList<Exception> Errors
    {
        get { lock (_errors) return _errors.ToList(); }
    }

    /// <summary>The next event, or a TimeoutException after the deadline.</summary>
    public async Task<(WatchEventType Type, JsonObject Object)> NextAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(20));
        try
        {
            return await _events.Reader.ReadAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException("no watch event arrived in time");
        }
    }

    /// <summary>Skips events until one matches.</summary>
    public async Task<(WatchEventType Type, JsonObject Object)> NextMatchingAsync(Func<WatchEventType, JsonObject, bool> match, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (true)
        {
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero) throw new TimeoutException("no matching watch event arrived in time");
            var e = await NextAsync(left);
            if (match(e.Type, e.Object)) return e;
        }
    }

    public bool TryNext(out (WatchEventType Type, JsonObject Object) e) => _events.Reader.TryRead(out e);

    public void Dispose() => _watcher?.Dispose();
}
