using System.IO.Compression;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Caching.Memory;
using Nexus.Crds.Entities;
using Nexus.Gateway.Cache;

namespace Nexus.Gateway.Jobs;

/// <summary>
/// Serves results the operator stored outside the status (<c>status.resultRef</c>: a ConfigMap key, JSON or
/// gzip+base64). A stored result never changes, so it is read once and kept in a size-bounded memory cache.
/// </summary>
public sealed class ResultResolver(JobRepository repository, long cacheBytes, ILogger<ResultResolver> logger) : IDisposable
{
    private readonly MemoryCache _cache = new(new MemoryCacheOptions { SizeLimit = cacheBytes });

    public int DirectReads;

    /// <summary>The job's result, reading its ConfigMap when it is stored by reference; null when it has none.</summary>
    public async Task<JsonElement?> ResolveAsync(CachedJob job, CancellationToken ct)
    {
        var status = job.Job.Status;
        if (job.Phase != JobPhases.Completed || status is null) return null;
        if (status.Result is { } inline) return inline;
        if (status.ResultRef is not { } reference) return null;

        var cacheKey = $"{job.Job.Metadata.Uid}/{reference.ConfigMap}/{reference.Key}";
        if (_cache.TryGetValue(cacheKey, out JsonElement cached)) return cached;

        Interlocked.Increment(ref DirectReads);
        var configMap = await repository.GetConfigMapAsync(reference.ConfigMap, ct).ConfigureAwait(false);
        var bytes = configMap is null ? null : Decode(configMap, reference);
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

    /// <summary>The JSON bytes a reference points at: text in <c>data</c>, or gzip in <c>binaryData</c> / base64 text in <c>data</c>.</summary>
    public static byte[]? Decode(k8s.Models.V1ConfigMap configMap, AiJobResultRef reference)
    {
        var gzip = string.Equals(reference.Encoding, "gzip+base64", StringComparison.OrdinalIgnoreCase);
        if (configMap.Data?.TryGetValue(reference.Key, out var text) == true && text is not null)
            return gzip ? Gunzip(Convert.FromBase64String(text.Trim())) : Encoding.UTF8.GetBytes(text);
        if (configMap.BinaryData?.TryGetValue(reference.Key, out var binary) == true && binary is not null)
            return IsGzip(binary) ? Gunzip(binary) : binary;
        return null;
    }

    private static bool IsGzip(byte[] bytes) => bytes.Length > 2 && bytes[0] == 0x1f && bytes[1] == 0x8b;

    private static byte[] Gunzip(byte[] compressed)
    {
        using var input = new GZipStream(new MemoryStream(compressed), CompressionMode.Decompress);
        using var output = new MemoryStream();
        input.CopyTo(output);
        return output.ToArray();
    }

    public void Dispose() => _cache.Dispose();
}
