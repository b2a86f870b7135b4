using System.Text;
using k8s.Models;

namespace Nexus.Crds.Entities;

/// <summary>
/// The status conditions of the platform's resources, as Kubernetes users expect them: an AiJob ends with
/// <see cref="Finished"/> and either <see cref="Complete"/> or <see cref="Failed"/> (the types batch/v1 Jobs use, so
/// <c>kubectl wait --for=condition=Complete</c> works); a WorkerPool has <see cref="Ready"/>.
/// </summary>
public static class Conditions
{
    public const string Complete = "Complete";
    public const string Failed = "Failed";
    public const string Finished = "Finished";
    public const string Ready = "Ready";

    /// <summary>
    /// Sets one condition, keeping its transition time when only its reason or message changes, as the API
    /// conventions ask (lastTransitionTime is when status last flipped).
    /// </summary>
    public static List<V1Condition> Set(List<V1Condition>? conditions, string type, bool status, string reason, string message, long? generation, DateTime now)
    {
        var list = conditions ?? [];
        var value = status ? "True" : "False";
        var existing = list.FirstOrDefault(c => c.Type == type);
        if (existing is not null && existing.Status == value && existing.Reason == reason && existing.Message == message && existing.ObservedGeneration == generation)
            return list;
        list.RemoveAll(c => c.Type == type);
        list.Add(new V1Condition
        {
            Type = type,
            Status = value,
            Reason = reason,
            Message = message,
            LastTransitionTime = existing?.Status == value ? existing.LastTransitionTime : now,
            ObservedGeneration = generation,
        });
        return list;
    }

    /// <summary>
    /// The conditions of a job that reached <paramref name="phase"/>: Finished always, Complete or Failed beside it.
    /// A cancelled job is finished but neither complete nor failed. <paramref name="errorCode"/> (an API error code
    /// such as WORKER_TIMEOUT) becomes the CamelCase reason Kubernetes conventions use (WorkerTimeout).
    /// </summary>
    public static void SetTerminal(AiJobStatus status, string phase, string? errorCode, string message, long? generation, DateTime now)
    {
        if (!JobPhases.IsTerminal(phase)) throw new ArgumentException($"{phase} is not a terminal phase", nameof(phase));
        var reason = errorCode is null ? phase : ReasonOf(errorCode);
        status.Conditions = Set(status.Conditions, Finished, true, reason, message, generation, now);
        if (phase == JobPhases.Completed) status.Conditions = Set(status.Conditions, Complete, true, reason, message, generation, now);
        if (phase == JobPhases.Failed) status.Conditions = Set(status.Conditions, Failed, true, reason, message, generation, now);
    }

    /// <summary>UPPER_SNAKE error codes as CamelCase condition reasons: QUEUE_TIMEOUT → QueueTimeout.</summary>
    public static string ReasonOf(string errorCode)
    {
        var reason = new StringBuilder(errorCode.Length);
        foreach (var word in errorCode.Split('_', StringSplitOptions.RemoveEmptyEntries))
            reason.Append(char.ToUpperInvariant(word[0])).Append(word[1..].ToLowerInvariant());
        return reason.Length == 0 ? "Unknown" : reason.ToString();
    }
}
