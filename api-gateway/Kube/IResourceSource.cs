using k8s;

namespace Nexus.Gateway.Kube;

/// <summary>List and watch of one kind of object, so one informer loop serves custom resources and Secrets alike.</summary>
public interface IResourceSource<T>
{
    string Description { get; }

    /// <summary>A consistent full list (paged under the hood) and the resourceVersion to watch from.</summary>
    Task<(List<T> Items, string ResourceVersion)> ListAsync(CancellationToken ct);

    /// <summary>Changes after <paramref name="resourceVersion"/>, with bookmarks; ERROR events go to <paramref name="onError"/>.</summary>
    IAsyncEnumerable<(WatchEventType Type, T Item)> WatchAsync(string resourceVersion, int timeoutSeconds, Action<Exception> onError, CancellationToken ct);
}
