namespace Nexus.KubeApiServer.Auth;

/// <summary>Who sent a request, as kube-apiserver's authenticators name callers (user name and groups).</summary>
public sealed record UserInfo(string Name, IReadOnlyList<string> Groups)
{
    public const string Masters = "system:masters";
    public const string Authenticated = "system:authenticated";

    /// <summary>The holder of the stand-in's own token: a cluster admin (group system:masters), as kubeadm's admin.conf.</summary>
    public static readonly UserInfo Admin = new("kubernetes-admin", [Masters, Authenticated]);

    /// <summary>A request without credentials.</summary>
    public static readonly UserInfo Anonymous = new("system:anonymous", ["system:unauthenticated"]);

    public static UserInfo ServiceAccount(string ns, string name) =>
        new($"system:serviceaccount:{ns}:{name}", ["system:serviceaccounts", $"system:serviceaccounts:{ns}", Authenticated]);

    public bool IsMaster => Groups.Contains(Masters);
}
