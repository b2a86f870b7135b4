namespace Nexus.KubeApiServer.Hosting;

/// <summary>Writes a kubeconfig (plain http, bearer token) that kubectl and KubernetesClient both accept.</summary>
public static class Kubeconfig
{
    public static void Write(string path, string url, string token, string ns = "default")
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        File.WriteAllText(path, $"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: nexus-stand-in
              cluster:
                server: {url}
            users:
            - name: nexus-stand-in
              user:
                token: {token}
            contexts:
            - name: nexus-stand-in
              context:
                cluster: nexus-stand-in
                user: nexus-stand-in
                namespace: {ns}
            current-context: nexus-stand-in

            """);
    }
}
