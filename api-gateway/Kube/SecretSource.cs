using k8s;
using k8s.Models;

namespace Nexus.Gateway.Kube;

/// <summary>List/watch of the Secrets matching a label selector in one namespace.</summary>
public sealed class SecretSource(IKubernetes client, string ns, string labelSelector) : IResourceSource<V1Secret>
{
    public string Description => $"secrets ({labelSelector}) in {ns}";

    public async Task<(List<V1Secret> Items, string ResourceVersion)> ListAsync(CancellationToken ct)
    {
        var items = new List<V1Secret>();
        string? cont = null;
        string rv;
        do
        {
            var page = await client.CoreV1.ListNamespacedSecretAsync(ns, continueParameter: cont, labelSelector: labelSelector,
                limit: 500, cancellationToken: ct).ConfigureAwait(false);
            items.AddRange(page.Items);
            cont = page.Metadata?.ContinueProperty;
            rv = page.Metadata?.ResourceVersion ?? "";
        }
        while (!string.IsNullOrEmpty(cont));
        return (items, rv);
    }

    public IAsyncEnumerable<(WatchEventType Type, V1Secret Item)> WatchAsync(string resourceVersion, int timeoutSeconds, Action<Exception> onError, CancellationToken ct)
    {
        var response = client.CoreV1.ListNamespacedSecretWithHttpMessagesAsync(ns, allowWatchBookmarks: true,
            labelSelector: labelSelector, resourceVersion: resourceVersion, timeoutSeconds: timeoutSeconds, watch: true,
            cancellationToken: ct);
        // Marked obsolete in favour of per-kind WatchList methods, which exist untyped only for custom objects;
        // this is the typed variant, and it surfaces ERROR events (410 Gone) through onError.
#pragma warning disable CS0618
        return response.WatchAsync<V1Secret, V1SecretList>(onError, ct);
#pragma warning restore CS0618
    }
}
