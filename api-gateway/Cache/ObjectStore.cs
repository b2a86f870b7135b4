using System.Collections.Concurrent;
using k8s;
using k8s.Models;

namespace Nexus.Gateway.Cache;

/// <summary>A plain name → object cache for kinds that need no indexes (batches).</summary>
public sealed class ObjectStore<T> : IStoreSink<T> where T : IKubernetesObject<V1ObjectMeta>
{
    private readonly ConcurrentDictionary<string, T> _items = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    public bool TryGet(string name, out T item) => _items.TryGetValue(name, out item!);

    public void AddIfAbsent(T item) => _items.TryAdd(item.Metadata.Name, item);

    public void Replace(IReadOnlyCollection<T> items)
    {
        lock (_lock)
        {
            var names = new HashSet<string>(items.Select(i => i.Metadata.Name), StringComparer.Ordinal);
            foreach (var item in items) _items[item.Metadata.Name] = item;
            foreach (var name in _items.Keys.Where(n => !names.Contains(n)).ToList()) _items.TryRemove(name, out _);
        }
    }

    public void Upsert(T item)
    {
        lock (_lock) _items[item.Metadata.Name] = item;
    }

    public void Delete(T item)
    {
        lock (_lock) _items.TryRemove(item.Metadata.Name, out _);
    }
}
