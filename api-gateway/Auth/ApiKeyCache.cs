using k8s.Models;
using Nexus.Shared;

namespace Nexus.Gateway.Auth;

/// <summary>
/// The API-key Secrets (by label), watched by the shared informer and indexed by hash. A key stops authenticating the
/// moment its Secret is gone: deleted (a watch DELETED, or a delete the informer synthesizes when a re-list after a
/// lost or reset API server no longer shows it), being deleted (deletionTimestamp set, held by a finalizer), or no
/// longer labelled as a key (the label-selected watch reports it deleted).
/// </summary>
public sealed class ApiKeyCache
{
    public ApiKeyCache(Informer<V1Secret> informer)
    {
        Informer = informer;
        informer.Changed += (old, @new) =>
        {
            if (@new is not null && @new.Metadata?.DeletionTimestamp is null) Index.Upsert(@new);
            else Index.Delete((@new ?? old)!);
        };
    }

    public Informer<V1Secret> Informer { get; }

    public ApiKeyIndex Index { get; } = new();

    public ApiKey? FindByKey(string key) => Index.FindByKey(key);
}
