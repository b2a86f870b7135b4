namespace Nexus.Crds.Entities;

/// <summary>Job priorities; a higher rank is claimed first.</summary>
public static class Priorities
{
    public const string Low = "low";
    public const string Normal = "normal";
    public const string High = "high";

    public static readonly IReadOnlyList<string> All = [Low, Normal, High];

    public static bool IsKnown(string? priority) => priority is Low or Normal or High;

    /// <summary>0 for low, 1 for normal, 2 for high; unknown values rank as normal.</summary>
    public static int Rank(string? priority) => priority switch
    {
        Low => 0,
        High => 2,
        _ => 1,
    };
}
