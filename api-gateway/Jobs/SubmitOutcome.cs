using Nexus.Gateway.Outcomes;

namespace Nexus.Gateway.Jobs;

/// <summary>
/// What a submission did: created <typeparamref name="T"/> (a job or a batch), found the one an earlier request with
/// the same Idempotency-Key created (<see cref="Replayed"/>), or was rejected.
/// </summary>
public sealed record SubmitOutcome<T>(T? Created, bool Replayed, Rejection? Rejection) where T : class
{
    public static SubmitOutcome<T> New(T created) => new(created, false, null);

    public static SubmitOutcome<T> Repeat(T existing) => new(existing, true, null);

    public static SubmitOutcome<T> Rejected(Rejection rejection) => new(null, false, rejection);
}
