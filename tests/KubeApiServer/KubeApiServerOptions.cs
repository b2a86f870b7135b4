namespace Nexus.KubeApiServer;

/// <summary>How to start the stand-in.</summary>
public sealed class KubeApiServerOptions
{
    /// <summary>TCP port on 127.0.0.1; 0 picks a free ephemeral port.</summary>
    public int Port { get; set; }
    /// <summary>CRD YAML files or directories (their *.yaml/*.yml files, not recursive) applied at start.</summary>
    public List<string> CrdPaths { get; set; } = new();
    /// <summary>Where to write the kubeconfig; a fresh temporary file when null.</summary>
    public string? KubeconfigPath { get; set; }
    /// <summary>The bearer token written into the kubeconfig.</summary>
    public string Token { get; set; } = "nexus-stand-in-token";
    /// <summary>Namespaces that exist from the start (besides "default", "kube-system", "kube-public").</summary>
    public List<string> Namespaces { get; set; } = new();
    /// <summary>
    /// How many changes are retained for watches at most (the watch cache's upper bound is 100 × 1024 events);
    /// watching from an older resourceVersion gets 410 Expired.
    /// </summary>
    public int HistoryLimit { get; set; } = 100_000;
    /// <summary>How long a change is retained (kube-apiserver compacts etcd every 5 minutes by default).</summary>
    public TimeSpan HistoryMaxAge { get; set; } = ObjectStore.DefaultHistoryMaxAge;
    /// <summary>How often a watch with allowWatchBookmarks=true receives a BOOKMARK.</summary>
    public TimeSpan BookmarkInterval { get; set; } = TimeSpan.FromSeconds(1);
    /// <summary>Report every Deployment's desired replicas as ready (no Pods are run).</summary>
    public bool SimulateDeploymentReadiness { get; set; } = true;
    /// <summary>
    /// How long a list or watch from a resourceVersion newer than the server's waits for it before the watch
    /// cache's 504 "Too large resource version" (kube-apiserver: 3 s).
    /// </summary>
    public TimeSpan ResourceVersionWait { get; set; } = TimeSpan.FromSeconds(3);
    /// <summary>Largest write request body (kube-apiserver: 3 MiB); bigger ones get 413 RequestEntityTooLarge.</summary>
    public long MaxRequestBodyBytes { get; set; } = HttpIo.DefaultMaxRequestBodyBytes;
    /// <summary>Largest stored object, key included (etcd's --max-request-bytes, 1.5 MiB); bigger writes get etcd's 500.</summary>
    public int MaxObjectBytes { get; set; } = ObjectStore.DefaultMaxObjectBytes;
    /// <summary>
    /// Persist the objects to this file (a write-ahead log, fsynced on every change, compacted into a snapshot at
    /// start) and load them from it at start; null keeps everything in memory only.
    /// </summary>
    public string? DataFile { get; set; }
    /// <summary>
    /// Authenticate and authorize every request as kube-apiserver with <c>--authorization-mode=RBAC</c> does: the
    /// server's <see cref="Token"/> is a cluster admin (system:masters), ServiceAccount tokens the server issues
    /// (<see cref="KubeApiServer.ServiceAccountToken"/>, TokenRequest, <c>kubectl create token</c>) are their account,
    /// and the stored Roles, ClusterRoles (aggregation included) and bindings decide; anything else is 403 Forbidden.
    /// Off by default: every caller may do everything.
    /// </summary>
    public bool EnforceRbac { get; set; }
    /// <summary>
    /// With <see cref="EnforceRbac"/>: a request without credentials is the cluster admin instead of system:anonymous.
    /// kubectl sends no bearer token over plain http, so this keeps the admin kubeconfig usable from kubectl (the
    /// standalone server's <c>--rbac</c> sets it); ServiceAccount tokens, which KubernetesClient does send, stay bound
    /// by their roles.
    /// </summary>
    public bool AnonymousIsAdmin { get; set; }
    /// <summary>Keep a log of every request (method, path, verb); the counters are kept regardless.</summary>
    public bool RecordRequests { get; set; } = true;
}
