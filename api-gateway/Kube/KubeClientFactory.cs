using k8s;

namespace Nexus.Gateway.Kube;

/// <summary>Builds the Kubernetes client: an explicit kubeconfig, else <c>KUBECONFIG</c>, else in-cluster, else ~/.kube/config.</summary>
public static class KubeClientFactory
{
    public static IKubernetes Create(string? kubeconfigPath)
    {
        KubernetesClientConfiguration config;
        if (!string.IsNullOrEmpty(kubeconfigPath))
            config = KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfigPath);
        else if (KubernetesClientConfiguration.IsInCluster())
            config = KubernetesClientConfiguration.InClusterConfig();
        else
            config = KubernetesClientConfiguration.BuildConfigFromConfigFile();
        // Watches are long-lived streams; each has its own server-side timeout and a client-side watchdog.
        config.HttpClientTimeout = TimeSpan.FromMinutes(30);
        return new Kubernetes(config);
    }
}
