namespace Nexus.Crds.Entities;

/// <summary>Annotations put on the AiJobs that are created for a request.</summary>
public static class JobAnnotations
{
    /// <summary>The completion estimate given at dispatch, so every later read shows the same figure.</summary>
    public const string EstimatedCompletionAt = "nexus.ai/estimated-completion-at";
}
