namespace Nexus.Gateway.Cache;

/// <summary>
/// An index kept in step with an informer's cache: every change, in order. Deletes missed while disconnected
/// arrive as synthesized deletes after the informer re-lists.
/// </summary>
public interface IStoreSink<in T>
{
    void Upsert(T item);

    void Delete(T item);
}
