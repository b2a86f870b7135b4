using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using k8s.Models;

namespace Nexus.NodeAgent;

/// <summary>
/// How a pod template becomes a local process, since there are no images to run. On the pod template:
/// <list type="bullet">
/// <item><c>local.nexus.ai/command</c>: the shell command line of the (first) container; it should <c>exec</c> the
/// program so signals reach it.</item>
/// <item><c>local.nexus.ai/workdir</c>: its working directory, relative to the agent's (default: the agent's).</item>
/// </list>
/// Every containerPort gets a free local port per replica (or its <c>hostPort</c>, which is then fixed, as on a real
/// node); the process finds it in <c>PORT</c> (the first port) and <c>PORT_&lt;NAME&gt;</c> (named ports), set
/// before the container's own env, so <c>$(PORT)</c> in an env value expands as Kubernetes expands references.
/// The process inherits the agent's environment (PATH, KUBECONFIG, ...), then the container's env on top.
/// </summary>
public static partial class LocalConvention
{
    public const string CommandAnnotation = "local.nexus.ai/command";
    public const string WorkdirAnnotation = "local.nexus.ai/workdir";
    public const string PodIp = "127.0.0.1";

    /// <summary>Local port of each container port, keyed by its number and by its name.</summary>
    public static Dictionary<string, int> AssignPorts(V1Container container)
    {
        var ports = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var p in container.Ports ?? [])
        {
            var local = p.HostPort is > 0 ? p.HostPort.Value : FreePort();
            ports.TryAdd(p.ContainerPort.ToString(), local);
            if (!string.IsNullOrEmpty(p.Name)) ports.TryAdd(p.Name, local);
        }
        return ports;
    }

    /// <summary>A port reference (number or name, as a probe or a Service targetPort gives it) as a local port.</summary>
    public static int? Resolve(IntOrString? port, IReadOnlyDictionary<string, int> ports)
    {
        if (port?.Value is not { Length: > 0 } value) return null;
        if (ports.TryGetValue(value, out var local)) return local;
        return int.TryParse(value, out var n) ? n : null;
    }

    public static Dictionary<string, string> Environment(V1Container container, V1Pod pod, IReadOnlyDictionary<string, int> ports)
    {
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        var first = container.Ports?.FirstOrDefault();
        if (first is not null) env["PORT"] = ports[first.ContainerPort.ToString()].ToString();
        foreach (var p in container.Ports ?? [])
        {
            if (!string.IsNullOrEmpty(p.Name)) env["PORT_" + EnvName(p.Name)] = ports[p.Name].ToString();
        }
        foreach (var e in container.Env ?? [])
        {
            var value = e.ValueFrom?.FieldRef is { } f ? Field(pod, f.FieldPath) : Expand(e.Value ?? "", env);
            if (value is not null) env[e.Name] = value;
        }
        return env;
    }

    /// <summary>A label or annotation value (the models type them as IDictionary, which has no GetValueOrDefault).</summary>
    public static string? Value(IDictionary<string, string>? map, string key) =>
        map is not null && map.TryGetValue(key, out var v) ? v : null;

    private static string EnvName(string portName) => portName.ToUpperInvariant().Replace('-', '_');

    /// <summary>The downward API fields a container's env can name.</summary>
    private static string? Field(V1Pod pod, string path) => path switch
    {
        "metadata.name" => pod.Metadata.Name,
        "metadata.namespace" => pod.Metadata.NamespaceProperty,
        "metadata.uid" => pod.Metadata.Uid,
        "spec.nodeName" => pod.Spec.NodeName,
        "spec.serviceAccountName" => pod.Spec.ServiceAccountName ?? "default",
        "status.podIP" or "status.hostIP" => PodIp,
        _ when LabelRef().Match(path) is { Success: true } m =>
            Value(m.Groups[1].Value == "labels" ? pod.Metadata.Labels : pod.Metadata.Annotations, m.Groups[2].Value) ?? "",
        _ => null,
    };

    /// <summary>Kubernetes' $(VAR) expansion: references to variables defined earlier; $$ escapes; unknown stays.</summary>
    public static string Expand(string value, IReadOnlyDictionary<string, string> defined) =>
        Reference().Replace(value, m => m.Value == "$$" ? "$" : defined.TryGetValue(m.Groups[1].Value, out var v) ? v : m.Value);

    private static int FreePort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    [GeneratedRegex(@"\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)")] private static partial Regex Reference();
    [GeneratedRegex(@"^metadata\.(labels|annotations)\['([^']+)'\]$")] private static partial Regex LabelRef();
}
