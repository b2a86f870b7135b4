using System.Net;
using k8s;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Logging;
using Nexus.KubeApiServer.Auth;
using Nexus.KubeApiServer.Builtins;
using Nexus.KubeApiServer.Faults;
using Nexus.KubeApiServer.Gc;
using Nexus.KubeApiServer.Hosting;
using Nexus.KubeApiServer.Yaml;

namespace Nexus.KubeApiServer;

/// <summary>
/// An in-memory Kubernetes API server on 127.0.0.1 for tests and local runs. It serves whatever CRDs are applied
/// to it plus the built-ins the platform uses, with the real server's semantics.
/// <code>await using var server = await KubeApiServer.StartAsync(new() { CrdPaths = { "crds" } });
/// var client = server.CreateClient();</code>
/// </summary>
public sealed class KubeApiServer : IAsyncDisposable
{
    readonly WebApplication _app;
    readonly BackgroundQueue _background;
    readonly bool _ownsKubeconfig;
    readonly ServiceAccountTokens _tokens;

    KubeApiServer(WebApplication app, BackgroundQueue background, ObjectStore store, ResourceOperations ops, ResourceRegistry registry,
        RequestLog requests, FaultInjector faults, string url, string kubeconfigPath, bool ownsKubeconfig, ServiceAccountTokens tokens)
    {
        _tokens = tokens;
        _app = app;
        _background = background;
        Store = store;
        Operations = ops;
        Registry = registry;
        Requests = requests;
        Faults = faults;
        Url = url;
        KubeconfigPath = kubeconfigPath;
        _ownsKubeconfig = ownsKubeconfig;
    }

    /// <summary>Base URL, e.g. http://127.0.0.1:41234.</summary>
    public string Url { get; }
    /// <summary>A kubeconfig file pointing at this server (for kubectl --kubeconfig and KubernetesClient).</summary>
    public string KubeconfigPath { get; }
    /// <summary>Request counters and log.</summary>
    public RequestLog Requests { get; }
    /// <summary>Fault-injection hooks.</summary>
    public FaultInjector Faults { get; }
    /// <summary>The newest resourceVersion handed out.</summary>
    public long ResourceVersion => Store.CurrentResourceVersion;
    /// <summary>How many changes are retained for watches (older resourceVersions get 410 Expired).</summary>
    public int HistoryLimit { get => Store.HistoryLimit; set => Store.HistoryLimit = value; }
    /// <summary>How long changes are retained for watches (etcd compaction by age; default 5 minutes).</summary>
    public TimeSpan HistoryMaxAge { get => Store.HistoryMaxAge; set => Store.HistoryMaxAge = value; }
    /// <summary>How many changes are retained now.</summary>
    public int HistoryCount => Store.HistoryCount;
    /// <summary>The newest resourceVersion compacted away: watching from an older one is 410 Expired.</summary>
    public long CompactedResourceVersion => Store.CompactedResourceVersion;
    /// <summary>Watch streams currently open.</summary>
    public int OpenWatches => Store.Hub.OpenWatches;

    internal ObjectStore Store { get; }
    internal ResourceOperations Operations { get; }
    internal ResourceRegistry Registry { get; }

    public static async Task<KubeApiServer> StartAsync(KubeApiServerOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new KubeApiServerOptions();
        var registry = new ResourceRegistry();
        registry.Add(BuiltinTypes.All);
        var store = new ObjectStore(options.HistoryLimit, options.HistoryMaxAge, TimeProvider.System) { MaxObjectBytes = options.MaxObjectBytes };
        var ops = new ResourceOperations(store, registry);
        var background = new BackgroundQueue();
        _ = new GarbageCollector(ops, background);
        if (options.SimulateDeploymentReadiness) _ = new DeploymentController(store, background);
        var requests = new RequestLog { Keep = options.RecordRequests };
        var faults = new FaultInjector(store);
        var bookmarkInterval = options.BookmarkInterval;
        var tokens = new ServiceAccountTokens(options.Token);
        var handler = new ApiHandler(ops, registry, () => bookmarkInterval, options.ResourceVersionWait, tokens);
        var access = options.EnforceRbac ? new AccessControl(new RequestAuthenticator(options.Token, tokens, store, options.AnonymousIsAdmin), new RbacAuthorizer(store)) : null;

        if (options.DataFile is { } dataFile) RestoreAndJournal(dataFile, store, registry);
        foreach (var ns in new[] { "default", "kube-system", "kube-public", "kube-node-lease" }.Concat(options.Namespaces).Distinct())
            if (store.Get(BuiltinTypes.Namespaces, "", ns) is null)
                ops.Create(BuiltinTypes.Namespaces, null, new JsonObject { ["metadata"] = new JsonObject { ["name"] = ns } }, new WriteOptions());

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, options.Port);
            // The API's own limit (413 as a Status) is checked while reading; Kestrel's only has to be above it.
            k.Limits.MaxRequestBodySize = Math.Max(options.MaxRequestBodyBytes + 1, 64L * 1024 * 1024);
        });
        var app = builder.Build();
        var maxBody = options.MaxRequestBodyBytes;
        app.Run(ctx =>
        {
            HttpIo.SetMaxRequestBodyBytes(ctx, maxBody);
            return ServeAsync(ctx, registry, handler, requests, faults, access);
        });
        await app.StartAsync(cancellationToken);

        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var url = address.Replace("[::1]", "127.0.0.1").Replace("localhost", "127.0.0.1").TrimEnd('/');
        var owns = options.KubeconfigPath is null;
        var kubeconfig = options.KubeconfigPath ?? Path.Combine(Path.GetTempPath(), $"nexus-kube-{Guid.NewGuid():N}.kubeconfig");
        Kubeconfig.Write(kubeconfig, url, options.Token);

        var server = new KubeApiServer(app, background, store, ops, registry, requests, faults, url, kubeconfig, owns, tokens);
        foreach (var path in options.CrdPaths) server.ApplyPath(path);
        return server;
    }

    /// <summary>Loads the objects of the data file (CRDs first, so their resources are served), then logs to it.</summary>
    static void RestoreAndJournal(string path, ObjectStore store, ResourceRegistry registry)
    {
        var (entries, rv) = DataFile.Load(path);
        lock (store.Gate)
        {
            foreach (var e in entries.Where(e => e.Key == BuiltinTypes.Crds.StorageKey))
            {
                store.Restore(BuiltinTypes.Crds, e.Object, e.Rv, rv);
                registry.Add(CrdReader.Read(e.Object, out _));
            }
            foreach (var e in entries.Where(e => e.Key != BuiltinTypes.Crds.StorageKey))
            {
                var type = registry.Current.Types.FirstOrDefault(t => t.StorageKey == e.Key)
                    ?? throw new InvalidDataException($"{path}: {e.Key} is stored but neither built in nor defined by a stored CRD");
                store.Restore(type, e.Object, e.Rv, rv);
            }
            store.RestoreCounter(rv);
            store.Journal = DataFile.Open(path, store.AllObjects().ToList(), store.CurrentResourceVersion);
        }
    }

    /// <summary>Authentication and RBAC, when enforced.</summary>
    sealed record AccessControl(RequestAuthenticator Authenticator, RbacAuthorizer Authorizer);

    static async Task ServeAsync(HttpContext ctx, ResourceRegistry registry, ApiHandler handler, RequestLog requests, FaultInjector faults,
        AccessControl? access)
    {
        var target = RequestTarget.Parse(ctx.Request.Path.Value ?? "/", registry);
        var verb = target.Verb(ctx.Request);
        requests.Record(new RecordedRequest(ctx.Request.Method, ctx.Request.Path.Value ?? "/", ctx.Request.QueryString.Value ?? "",
            verb, target.Type?.Plural, target.Namespace, target.Name, target.Subresource));
        try
        {
            if (faults.Latency > TimeSpan.Zero) await Task.Delay(faults.Latency, ctx.RequestAborted);
            if (access is not null)
            {
                var user = access.Authenticator.Authenticate(ctx.Request);
                if (user is null)
                {
                    requests.RecordDenial($"401 Unauthorized: {ctx.Request.Method} {ctx.Request.Path}");
                    await HttpIo.WriteErrorAsync(ctx, ApiException.Unauthorized());
                    return;
                }
                var attributes = RequestAttributes.For(target, ctx.Request);
                if (!access.Authorizer.Allows(user, attributes))
                {
                    var forbidden = ApiException.Forbidden(attributes, user);
                    requests.RecordDenial(forbidden.Message);
                    await HttpIo.WriteErrorAsync(ctx, forbidden);
                    return;
                }
            }
            if (faults.TakeFailure(verb, target.Type?.Plural) is { } status)
            {
                await HttpIo.WriteErrorAsync(ctx, ApiException.ForStatusCode(status));
                return;
            }
            await handler.HandleAsync(ctx, target);
        }
        catch (OperationCanceledException) when (ctx.RequestAborted.IsCancellationRequested)
        {
        }
        catch (Exception e) when (e is not OperationCanceledException && !ctx.Response.HasStarted)
        {
            await HttpIo.WriteAsync(ctx, 500, ApiException.Status(500, "InternalError",
                $"Internal error occurred: {e.GetType().Name}: {e.Message}"));
        }
    }

    /// <summary>
    /// A bearer token for a ServiceAccount (valid while the account exists; the same for every server started with
    /// the same <see cref="KubeApiServerOptions.Token"/>). With <see cref="KubeApiServerOptions.EnforceRbac"/> the
    /// holder can do what the account's bindings grant, nothing more.
    /// </summary>
    public string ServiceAccountToken(string ns, string name) => _tokens.Issue(ns, name);

    /// <summary>Writes a kubeconfig that authenticates as a ServiceAccount (what its pod's mounted token would do); returns the path.</summary>
    public string WriteServiceAccountKubeconfig(string ns, string name, string? path = null)
    {
        path ??= Path.Combine(Path.GetTempPath(), $"nexus-kube-{ns}-{name}-{Guid.NewGuid():N}.kubeconfig");
        Kubeconfig.Write(path, Url, ServiceAccountToken(ns, name), ns);
        return path;
    }

    /// <summary>A KubernetesClient configuration for this server.</summary>
    public KubernetesClientConfiguration ClientConfiguration() =>
        KubernetesClientConfiguration.BuildConfigFromConfigFile(KubeconfigPath);

    /// <summary>A KubernetesClient talking to this server over HTTP.</summary>
    public Kubernetes CreateClient() => new(ClientConfiguration());

    /// <summary>Creates (or replaces) the objects of YAML manifests: a file, or the *.yaml/*.yml files of a directory.</summary>
    public void ApplyPath(string path)
    {
        IEnumerable<string> files = Directory.Exists(path)
            ? Directory.GetFiles(path).Where(f => f.EndsWith(".yaml", StringComparison.Ordinal) || f.EndsWith(".yml", StringComparison.Ordinal)).Order(StringComparer.Ordinal)
            : File.Exists(path) ? [path] : throw new FileNotFoundException($"no such CRD/manifest file or directory: {path}", path);
        foreach (var file in files) ApplyYaml(File.ReadAllText(file));
    }

    /// <summary>Creates (or replaces) the objects of a YAML manifest, in order.</summary>
    public void ApplyYaml(string yaml)
    {
        foreach (var doc in YamlToJson.Documents(yaml))
        {
            var apiVersion = Json.Str(doc, "apiVersion") ?? "";
            var kind = Json.Str(doc, "kind") ?? "";
            var type = Registry.FindKind(apiVersion, kind) ?? throw ApiException.BadRequest($"no kind \"{kind}\" is registered for version \"{apiVersion}\"");
            var ns = type.Namespaced ? Json.Str(doc["metadata"], "namespace") ?? "default" : null;
            var name = Json.Str(doc["metadata"], "name") ?? "";
            lock (Store.Gate)
            {
                if (name.Length > 0 && Store.Get(type, ns ?? "", name) is { } existing)
                {
                    Json.Metadata(doc)["resourceVersion"] = existing.ResourceVersion.ToString();
                    Operations.Update(type, ns, name, doc, null, new WriteOptions());
                }
                else Operations.Create(type, ns, doc, new WriteOptions());
            }
        }
    }

    /// <summary>
    /// A merge patch applied in-process through the same write path as HTTP (validation, generation, watch events),
    /// without a request being counted. Returns the stored object.
    /// </summary>
    public JsonObject MergePatch(string group, string version, string plural, string? ns, string name, string patch, string? subresource = null)
    {
        var type = Registry.Find(group, version, plural) ?? throw new ArgumentException($"no resource {plural} in {group}/{version}");
        var result = Operations.Patch(type, ns, name, ResourceOperations.MergePatchType, System.Text.Encoding.UTF8.GetBytes(patch), subresource, new WriteOptions());
        return (JsonObject)result.Object.Node.DeepClone();
    }

    public async ValueTask DisposeAsync()
    {
        Store.Hub.DropAll();
        await _app.StopAsync();
        await _app.DisposeAsync();
        await _background.DisposeAsync();
        Store.Dispose();
        if (_ownsKubeconfig)
            try { File.Delete(KubeconfigPath); } catch (IOException) { }
    }
}
