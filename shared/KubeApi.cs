using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using k8s;
using k8s.Authentication;

namespace Nexus.Shared;

/// <summary>
/// A thin HTTP layer over the Kubernetes API. KubernetesClient supplies the connection (TLS, client
/// certificates, tokens); requests and watch streams are ours so resourceVersion, bookmarks, ERROR events
/// and stream ends are all visible. Counts writes, for the benchmark and the write budget per job.
/// </summary>
public sealed class KubeApi : IDisposable
{
    private readonly HttpClient _http;
    private readonly Kubernetes _kube;
    private readonly Uri _base;
    private long _writes;
    private long _eventWrites;
    private long _reads;

    public KubeApi(KubernetesClientConfiguration config)
    {
        var credentials = new CredentialsHandler();
        _kube = new Kubernetes(config, credentials);
        credentials.Credentials = _kube.Credentials;
        _http = new HttpClient(credentials, disposeHandler: false) { Timeout = Timeout.InfiniteTimeSpan };
        var host = config.Host.EndsWith('/') ? config.Host : config.Host + "/";
        _base = new Uri(host);
    }

    public static KubernetesClientConfiguration LoadConfig(string? kubeconfig)
    {
        if (!string.IsNullOrEmpty(kubeconfig)) return KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfig);
        if (KubernetesClientConfiguration.IsInCluster()) return KubernetesClientConfiguration.InClusterConfig();
        return KubernetesClientConfiguration.BuildDefaultConfig();
    }

    /// <summary>Whether the API server answers (every request of this client reports to it).</summary>
    public ApiServerHealth Health { get; } = new();

    /// <summary>
    /// One request to <c>/readyz</c> (open to every caller, as kube-apiserver's public-info-viewer role grants), so a
    /// client that has nothing to send still notices an outage and the server's return. False when unreachable.
    /// </summary>
    public async Task<bool> ProbeAsync(TimeSpan timeout, CancellationToken ct)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(timeout);
        try
        {
            using var response = await SendAsync(HttpMethod.Get, "readyz", null, null, limit.Token);
            return true;
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            Health.Lost(new TimeoutException($"the API server did not answer /readyz within {timeout.TotalSeconds:0.#} s"));
            return false;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    /// <summary>Status and object writes (create, update, patch, delete), Events excluded.</summary>
    public long Writes => Interlocked.Read(ref _writes);
    public long EventWrites => Interlocked.Read(ref _eventWrites);
    public long Reads => Interlocked.Read(ref _reads);

    public async Task<T?> GetAsync<T>(string path, CancellationToken ct) where T : class
    {
        Interlocked.Increment(ref _reads);
        using var response = await SendAsync(HttpMethod.Get, path, null, null, ct);
        if (response.StatusCode == HttpStatusCode.NotFound) return null;
        await EnsureSuccessAsync(response, ct);
        return await ReadAsync<T>(response, ct);
    }

    public async Task<ListPage<T>> ListAsync<T>(string path, string? continueToken, int limit, CancellationToken ct,
        string? labelSelector = null)
    {
        Interlocked.Increment(ref _reads);
        var query = $"?limit={limit}" + (continueToken is null ? "" : $"&continue={Uri.EscapeDataString(continueToken)}")
                    + SelectorQuery(labelSelector);
        using var response = await SendAsync(HttpMethod.Get, path + query, null, null, ct);
        await EnsureSuccessAsync(response, ct);
        await using var stream = await response.Content.ReadAsStreamAsync(ct);
        using var doc = await JsonDocument.ParseAsync(stream, cancellationToken: ct);
        var meta = doc.RootElement.GetProperty("metadata");
        var rv = meta.TryGetProperty("resourceVersion", out var r) ? r.GetString() : null;
        var cont = meta.TryGetProperty("continue", out var c) ? c.GetString() : null;
        var items = new List<T>();
        if (doc.RootElement.TryGetProperty("items", out var arr) && arr.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in arr.EnumerateArray()) items.Add(KubernetesJson.Deserialize<T>(item.GetRawText()));
        }
        return new ListPage<T>(items, rv ?? "", string.IsNullOrEmpty(cont) ? null : cont);
    }

    public Task<T> CreateAsync<T>(string collectionPath, T body, CancellationToken ct) where T : class =>
        WriteAsync<T>(HttpMethod.Post, collectionPath, body, "application/json", ct);

    public Task<T> ReplaceAsync<T>(string path, T body, CancellationToken ct) where T : class =>
        WriteAsync<T>(HttpMethod.Put, path, body, "application/json", ct);

    public Task<T> MergePatchAsync<T>(string path, object patch, CancellationToken ct) where T : class =>
        WriteAsync<T>(HttpMethod.Patch, path, patch, "application/merge-patch+json", ct);

    /// <summary>Deletes with background propagation; false when the object was already gone.</summary>
    public Task<bool> DeleteAsync(string path, string? uidPrecondition, CancellationToken ct) =>
        DeleteAsync(path, uidPrecondition, null, ct);

    /// <summary>
    /// Deletes with background propagation, only if the object still has the given uid and/or resourceVersion
    /// (409 otherwise); false when the object was already gone.
    /// </summary>
    public async Task<bool> DeleteAsync(string path, string? uidPrecondition, string? resourceVersionPrecondition, CancellationToken ct)
    {
        Interlocked.Increment(ref _writes);
        object body = uidPrecondition is null && resourceVersionPrecondition is null
            ? new { propagationPolicy = "Background" }
            : new
            {
                propagationPolicy = "Background",
                preconditions = new { uid = uidPrecondition, resourceVersion = resourceVersionPrecondition },
            };
        using var response = await SendAsync(HttpMethod.Delete, path, body, "application/json", ct);
        if (response.StatusCode == HttpStatusCode.NotFound) return false;
        await EnsureSuccessAsync(response, ct);
        return true;
    }

    /// <summary>Every item of a collection, following continue tokens.</summary>
    public async Task<List<T>> ListAllAsync<T>(string path, CancellationToken ct, string? labelSelector = null)
    {
        var items = new List<T>();
        string? cont = null;
        do
        {
            var page = await ListAsync<T>(path, cont, 500, ct, labelSelector);
            items.AddRange(page.Items);
            cont = page.Continue;
        } while (cont is not null);
        return items;
    }

    /// <summary>Event writes are counted apart from object writes.</summary>
    public async Task<T> WriteEventAsync<T>(HttpMethod method, string path, T body, CancellationToken ct) where T : class
    {
        Interlocked.Increment(ref _eventWrites);
        using var response = await SendAsync(method, path, body, "application/json", ct);
        await EnsureSuccessAsync(response, ct);
        return await ReadAsync<T>(response, ct);
    }

    /// <summary>
    /// One watch stream, from <paramref name="resourceVersion"/> with bookmarks. Ends when the server closes
    /// the stream; an ERROR event arrives as a <see cref="WatchEvent"/> with <see cref="WatchEvent.IsError"/> set.
    /// A stream cut off mid-way (the server died, the connection was reset) throws <see cref="WatchInterruptedException"/>:
    /// the server on the other side of the reconnect may not be the one whose state was cached.
    /// </summary>
    public async IAsyncEnumerable<WatchEvent> WatchAsync(string collectionPath, string resourceVersion, int timeoutSeconds,
        [EnumeratorCancellation] CancellationToken ct, string? labelSelector = null)
    {
        Interlocked.Increment(ref _reads);
        var path = $"{collectionPath}?watch=true&allowWatchBookmarks=true&timeoutSeconds={timeoutSeconds}" +
                   $"&resourceVersion={Uri.EscapeDataString(resourceVersion)}" + SelectorQuery(labelSelector);
        using var response = await SendAsync(HttpMethod.Get, path, null, null, ct);
        await EnsureSuccessAsync(response, ct);
        await using var stream = await response.Content.ReadAsStreamAsync(ct);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        while (true)
        {
            string? line;
            try
            {
                line = await reader.ReadLineAsync(ct);
            }
            catch (Exception e) when (e is IOException or HttpRequestException && !ct.IsCancellationRequested)
            {
                Health.Lost(e);
                throw new WatchInterruptedException(e);
            }
            if (line is null) yield break;
            if (line.Length == 0) continue;
            yield return WatchEvent.Parse(line);
        }
    }

    private static string SelectorQuery(string? labelSelector) =>
        string.IsNullOrEmpty(labelSelector) ? "" : $"&labelSelector={Uri.EscapeDataString(labelSelector)}";

    private async Task<T> WriteAsync<T>(HttpMethod method, string path, object body, string contentType, CancellationToken ct) where T : class
    {
        Interlocked.Increment(ref _writes);
        using var response = await SendAsync(method, path, body, contentType, ct);
        await EnsureSuccessAsync(response, ct);
        return await ReadAsync<T>(response, ct);
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, object? body, string? contentType, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, new Uri(_base, path));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        if (body is not null)
        {
            var json = body as string ?? KubernetesJson.Serialize(body);
            request.Content = new StringContent(json, Encoding.UTF8);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue(contentType ?? "application/json");
        }
        try
        {
            var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
            Health.Reached();
            return response;
        }
        catch (HttpRequestException e)
        {
            Health.Lost(e);
            throw;
        }
    }

    private static async Task<T> ReadAsync<T>(HttpResponseMessage response, CancellationToken ct)
    {
        var text = await response.Content.ReadAsStringAsync(ct);
        return KubernetesJson.Deserialize<T>(text);
    }

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, CancellationToken ct)
    {
        if (response.IsSuccessStatusCode) return;
        var text = await response.Content.ReadAsStringAsync(ct);
        string? reason = null;
        var message = text;
        try
        {
            using var doc = JsonDocument.Parse(text);
            if (doc.RootElement.TryGetProperty("reason", out var r)) reason = r.GetString();
            if (doc.RootElement.TryGetProperty("message", out var m)) message = m.GetString() ?? text;
        }
        catch (JsonException)
        {
        }
        throw new KubeApiException(response.StatusCode, reason, message);
    }

    public void Dispose()
    {
        _http.Dispose();
        _kube.Dispose();
    }

    /// <summary>Applies the kubeconfig's token or basic credentials to every request.</summary>
    private sealed class CredentialsHandler : DelegatingHandler
    {
        public ServiceClientCredentials? Credentials { get; set; }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
        {
            if (Credentials is not null) await Credentials.ProcessHttpRequestAsync(request, ct);
            return await base.SendAsync(request, ct);
        }
    }
}

/// <summary>A watch stream that was cut off instead of being closed by the server.</summary>
public sealed class WatchInterruptedException(Exception inner) : IOException("the watch stream was interrupted: " + inner.Message, inner);

public sealed record ListPage<T>(List<T> Items, string ResourceVersion, string? Continue);

/// <summary>One line of a watch stream. Bookmarks carry only a resourceVersion; ERROR events a Status.</summary>
public sealed class WatchEvent
{
    public required string Type { get; init; }
    public required string RawObject { get; init; }
    public string? ResourceVersion { get; init; }
    public int? ErrorCode { get; init; }
    public string? ErrorMessage { get; init; }

    public bool IsError => Type == "ERROR";

    public static WatchEvent Parse(string line)
    {
        using var doc = JsonDocument.Parse(line);
        var type = doc.RootElement.GetProperty("type").GetString() ?? "";
        var obj = doc.RootElement.GetProperty("object");
        string? rv = null;
        if (obj.TryGetProperty("metadata", out var meta) && meta.ValueKind == JsonValueKind.Object &&
            meta.TryGetProperty("resourceVersion", out var r))
        {
            rv = r.GetString();
        }
        int? code = null;
        string? message = null;
        if (type == "ERROR")
        {
            code = obj.TryGetProperty("code", out var c) && c.ValueKind == JsonValueKind.Number ? c.GetInt32() : null;
            message = obj.TryGetProperty("message", out var m) ? m.GetString() : null;
        }
        return new WatchEvent { Type = type, RawObject = obj.GetRawText(), ResourceVersion = rv, ErrorCode = code, ErrorMessage = message };
    }
}
