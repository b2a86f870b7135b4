namespace Nexus.Gateway.Jobs;

/// <summary>Annotations the gateway puts on the AiJobs it creates.</summary>
public static class JobAnnotations
{
    /// <summary>The completion estimate given at dispatch, so every later read shows the same figure.</summary>
    public const string EstimatedCompletionAt = "nexus.ai/estimated-completion-at";
}
