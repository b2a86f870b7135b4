using Nexus.Crds.Entities;

namespace Nexus.Operator.Jobs;

/// <summary>
/// Records an ended attempt in <c>status.attemptHistory</c>, in the same status write that ends it: the history is in
/// etcd before the attempt's end is, so an operator crash loses none of it and the archive can list every attempt.
/// </summary>
public static class AttemptLog
{
    /// <summary>Appends the attempt the status describes (its number, worker and start) as ended now.</summary>
    public static void Append(AiJobStatus status, string outcome, string? errorCode, DateTime endedAt)
    {
        if (status.StartedAt is not { } started || status.Attempts < 1) return;
        var list = status.AttemptHistory ??= [];
        // A write retried after a conflict re-applies its change to a fresh read: never record one attempt twice.
        list.RemoveAll(a => a.Number == status.Attempts);
        list.Add(new AiJobAttempt
        {
            Number = status.Attempts,
            Pool = status.Worker?.Pool,
            Instance = status.Worker?.Instance,
            StartedAt = JobTimes.Utc(started),
            EndedAt = endedAt,
            Outcome = outcome,
            ErrorCode = errorCode,
        });
        if (list.Count > AiJobAttempt.MaxKept) list.RemoveRange(0, list.Count - AiJobAttempt.MaxKept);
    }
}
