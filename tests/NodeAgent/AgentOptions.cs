namespace Nexus.NodeAgent;

/// <summary>How the agent runs: which namespace it serves, the node name its pods get, where container output goes.</summary>
public sealed class AgentOptions
{
    public string Namespace { get; init; } = "default";
    public string NodeName { get; init; } = "local-node";
    /// <summary>Each pod's output is appended to DIR/POD.log; discarded when null.</summary>
    public string? LogDirectory { get; init; }
    /// <summary>How often the agent compares the declared state with what runs (sooner when a process exits or turns ready).</summary>
    public TimeSpan SyncInterval { get; init; } = TimeSpan.FromMilliseconds(250);
    public Action<string> Log { get; init; } = line => Console.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {line}");
}
