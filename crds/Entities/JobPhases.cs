namespace Nexus.Crds.Entities;

/// <summary>Phases of an AiJob (and of a batch's aggregate). The REST API shows them in lowercase.</summary>
public static class JobPhases
{
    public const string Queued = "Queued";
    public const string Running = "Running";
    public const string Completed = "Completed";
    public const string Failed = "Failed";
    public const string Cancelled = "Cancelled";

    public static readonly IReadOnlyList<string> All = [Queued, Running, Completed, Failed, Cancelled];

    /// <summary>A terminal phase is final: nothing moves a job out of it.</summary>
    public static bool IsTerminal(string? phase) => phase is Completed or Failed or Cancelled;

    /// <summary>A job without a phase yet has been created but not seen by the operator: it is queued.</summary>
    public static string OrQueued(string? phase) => string.IsNullOrEmpty(phase) ? Queued : phase;
}
