using Nexus.Crds.Entities;
using Nexus.Shared;

namespace Nexus.Gateway.Cache;

/// <summary>Every AiJobBatch of the namespace: the shared informer; the gateway's own writes come in through <see cref="Record"/>.</summary>
public sealed class BatchCache(Informer<AiJobBatch> informer)
{
    public Informer<AiJobBatch> Informer { get; } = informer;

    public AiJobBatch? Get(string name) => Informer.Get(name);

    public void Record(AiJobBatch written) => Informer.Upsert(written);
}
