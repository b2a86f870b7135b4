namespace Nexus.Gateway.Cache;

/// <summary>Receives what an informer learns: a full state after each (re)list, then single changes.</summary>
public interface IStoreSink<in T>
{
    /// <summary>The complete current state; objects not in it are gone (this is how deletes missed while disconnected surface).</summary>
    void Replace(IReadOnlyCollection<T> items);

    void Upsert(T item);

    void Delete(T item);
}
