using k8s.Models;
using Nexus.Shared;

namespace Nexus.Gateway.Auth;

/// <summary>The API-key Secrets (by label), watched by the shared informer and indexed by hash.</summary>
public sealed class ApiKeyCache
{
    public ApiKeyCache(Informer<V1Secret> informer)
    {
        Informer = informer;
        informer.Changed += (old, @new) =>
        {
            if (@new is not null) Index.Upsert(@new);
            else Index.Delete(old!);
        };
    }

    public Informer<V1Secret> Informer { get; }

    public ApiKeyIndex Index { get; } = new();

    public ApiKey? FindByKey(string key) => Index.FindByKey(key);
}
