using System.Threading.Channels;

namespace Nexus.KubeApiServer.Gc;

/// <summary>
/// One consumer running the server's controllers (garbage collector, namespace and deployment controllers)
/// outside request handling, as their real counterparts run outside the API server.
/// </summary>
public sealed class BackgroundQueue : IAsyncDisposable
{
    readonly Channel<Action> _work = Channel.CreateUnbounded<Action>(new UnboundedChannelOptions { SingleReader = true });
    readonly Task _loop;

    public BackgroundQueue() => _loop = Task.Run(RunAsync);

    public void Enqueue(Action work) => _work.Writer.TryWrite(work);

    async Task RunAsync()
    {
        await foreach (var work in _work.Reader.ReadAllAsync())
        {
            try { work(); }
            catch (ApiException) { /* the object changed under us; the next event retries */ }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _work.Writer.TryComplete();
        await _loop;
    }
}
