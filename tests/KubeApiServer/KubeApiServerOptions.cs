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
    /// <summary>How many changes are retained for watches; watching from an older resourceVersion gets 410 Expired.</summary>
    public int HistoryLimit { get; set; } = 100_000;
    /// <summary>How often a watch with allowWatchBookmarks=true receives a BOOKMARK.</summary>
    public TimeSpan BookmarkInterval { get; set; } = TimeSpan.FromSeconds(1);
    /// <summary>Report every Deployment's desired replicas as ready (no Pods are run).</summary>
    public bool SimulateDeploymentReadiness { get; set; } = true;
    /// <summary>Largest write request body (kube-apiserver: 3 MiB); bigger ones get 413 RequestEntityTooLarge.</summary>
    public long MaxRequestBodyBytes { get; set; } = HttpIo.DefaultMaxRequestBodyBytes;
    /// <summary>Largest stored object, key included (etcd's --max-request-bytes, 1.5 MiB); bigger writes get etcd's 500.</summary>
    public int MaxObjectBytes { get; set; } = ObjectStore.DefaultMaxObjectBytes;
    /// <summary>Keep a log of every request (method, path, verb); the counters are kept regardless.</summary>
    public bool RecordRequests { get; set; } = true;
}
