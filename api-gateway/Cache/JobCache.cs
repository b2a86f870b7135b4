using Nexus.Crds.Entities;
using Nexus.Shared;

namespace Nexus.Gateway.Cache;

/// <summary>
/// Every AiJob of the namespace, as the gateway reads them: the shared informer (list+watch) and the index it feeds.
/// The one way in is the informer: watch events, and the gateway's own writes through <see cref="Record"/>, so
/// counts and reads see a new job before its watch event arrives, and an older answer never overwrites a newer one.
/// </summary>
public sealed class JobCache
{
    public JobCache(Informer<AiJob> informer)
    {
        Informer = informer;
        informer.Changed += (old, @new) =>
        {
            if (@new is not null) Index.Upsert(@new);
            else Index.Delete(old!);
        };
    }

    public Informer<AiJob> Informer { get; }

    public JobIndex Index { get; } = new();

    /// <summary>Takes in the answer of the gateway's own write (create, patch, direct read).</summary>
    public void Record(AiJob written) => Informer.Upsert(written);

    public bool TryGet(string name, out CachedJob job) => Index.TryGet(name, out job);

    public IEnumerable<CachedJob> All => Index.All;

    /// <summary>Completes at the next change of the named job (or its deletion).</summary>
    public Task NextChange(string name) => Index.NextChange(name);
}
