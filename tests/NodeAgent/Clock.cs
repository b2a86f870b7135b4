namespace Nexus.NodeAgent;

/// <summary>The time the agent's restart decisions use; a test substitutes a clock it moves by hand.</summary>
public interface IClock
{
    DateTime UtcNow { get; }
}

public sealed class SystemClock : IClock
{
    public static readonly SystemClock Instance = new();
    public DateTime UtcNow => DateTime.UtcNow;
}
