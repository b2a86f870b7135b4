using System.Collections.Concurrent;
using k8s.Models;

namespace Nexus.Gateway.Auth;

/// <summary>API keys by hash, kept in step with their Secrets by <see cref="ApiKeyCache"/>: a new or revoked key counts within seconds.</summary>
public sealed class ApiKeyIndex
{
    private readonly ConcurrentDictionary<string, ApiKey> _byHash = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _hashBySecret = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    public int Count => _byHash.Count;

    public ApiKey? FindByKey(string key) => _byHash.TryGetValue(ApiKeyFormat.Hash(key), out var apiKey) ? apiKey : null;

    public void Upsert(V1Secret item)
    {
        lock (_lock) SetLocked(item);
    }

    public void Delete(V1Secret item)
    {
        lock (_lock) RemoveLocked(item.Metadata?.Name ?? "");
    }

    private void SetLocked(V1Secret secret)
    {
        var name = secret.Metadata?.Name ?? "";
        RemoveLocked(name);
        var key = ApiKeySecret.Parse(secret);
        if (key is null) return;
        _byHash[key.Hash] = key;
        _hashBySecret[name] = key.Hash;
    }

    private void RemoveLocked(string name)
    {
        if (_hashBySecret.TryRemove(name, out var hash)) _byHash.TryRemove(hash, out _);
    }
}
