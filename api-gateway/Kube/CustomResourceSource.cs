using k8s;
using k8s.Models;
using Nexus.Crds.Entities;

namespace Nexus.Gateway.Kube;

/// <summary>List/watch of a namespaced Nexus custom resource.</summary>
public sealed class CustomResourceSource<T>(IKubernetes client, string ns, string plural) : IResourceSource<T>
    where T : IKubernetesObject<V1ObjectMeta>
{
    private const int PageSize = 500;

    public string Description => $"{plural} in {ns}";

    public async Task<(List<T> Items, string ResourceVersion)> ListAsync(CancellationToken ct)
    {
        var items = new List<T>();
        string? cont = null;
        string rv;
        do
        {
            var page = await client.CustomObjects.ListNamespacedCustomObjectAsync<KubeList<T>>(
                NexusGroup.Group, NexusGroup.Version, ns, plural, continueParameter: cont, limit: PageSize,
                cancellationToken: ct).ConfigureAwait(false);
            if (page.Items is not null) items.AddRange(page.Items);
            cont = page.Metadata?.ContinueProperty;
            rv = page.Metadata?.ResourceVersion ?? "";
        }
        while (!string.IsNullOrEmpty(cont));
        return (items, rv);
    }

    public IAsyncEnumerable<(WatchEventType Type, T Item)> WatchAsync(string resourceVersion, int timeoutSeconds, Action<Exception> onError, CancellationToken ct)
    {
        var response = client.CustomObjects.ListNamespacedCustomObjectWithHttpMessagesAsync(
            NexusGroup.Group, NexusGroup.Version, ns, plural, allowWatchBookmarks: true,
            resourceVersion: resourceVersion, timeoutSeconds: timeoutSeconds, watch: true, cancellationToken: ct);
        // Marked obsolete in favour of per-kind WatchList methods, which exist untyped only for custom objects;
        // this is the typed variant, and it surfaces ERROR events (410 Gone) through onError.
#pragma warning disable CS0618
        return response.WatchAsync<T, object>(onError, ct);
#pragma warning restore CS0618
    }
}
