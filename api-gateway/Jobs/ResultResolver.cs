using System.Text.Json;
using Microsoft.Extensions.Caching.Memory;
using Nexus.Crds.Entities;
using Nexus.Gateway.Cache;
using Nexus.Gateway.Kube;

namespace Nexus.Gateway.Jobs;

/// <summary>
/// Serves results the operator stored outside the status (<c>status.resultRef</c>: a ConfigMap key in the
/// contract's <see cref="ResultEncoding"/>). A stored result never changes, so it is read once and kept in a size-bounded memory cache.
/// </summary>
public sealed class ResultResolver(KubeObjects kube, long cacheBytes, ILogger<ResultResolver> logger) : IDisposable
{
    private readonly MemoryCache _cache = new(new MemoryCacheOptions { SizeLimit = cacheBytes });

    /// <summary>The job's result, reading its ConfigMap when it is stored by reference; null when it has none.</summary>
    public async Task<JsonElement?> ResolveAsync(CachedJob job, CancellationToken ct)
    {
        var status = job.Job.Status;
        if (job.Phase != JobPhases.Completed || status is null) return null;
        if (status.Result is { } inline) return inline;
        if (status.ResultRef is not { } reference) return null;

        var cacheKey = $"{job.Job.Metadata.Uid}/{reference.ConfigMap}/{reference.Key}";
        if (_cache.TryGetValue(cacheKey, out JsonElement cached)) return cached;

        var configMap = await kube.GetConfigMapAsync(reference.ConfigMap, ct).ConfigureAwait(false);
        var bytes = configMap is null ? null : ResultEncoding.Read(configMap, reference);
        if (bytes is null)
        {
            logger.LogWarning("Result of {Job} is missing from ConfigMap {ConfigMap} key {Key}", job.Name, reference.ConfigMap, reference.Key);
            return null;
        }
        using var doc = JsonDocument.Parse(bytes);
        var result = doc.RootElement.Clone();
        _cache.Set(cacheKey, result, new MemoryCacheEntryOptions { Size = bytes.Length });
        return result;
    }

    public void Dispose() => _cache.Dispose();
}
