namespace Nexus.Gateway.Cache;

/// <summary>
/// A job's live signals as the operator relayed them through the history database's <c>live_jobs</c> table.
/// </summary>
/// <param name="Attempt">The attempt <paramref name="Progress"/> belongs to (a retry starts without one).</param>
/// <param name="Progress">0..1; null before the worker reported any.</param>
/// <param name="QueuePosition">1 = claimed next among the jobs its pool serves; null while not queued.</param>
/// <param name="PoolCapacity">Jobs that pool runs at once.</param>
/// <param name="AsOf">When the operator wrote these values (database time).</param>
/// <param name="EstimatedCompletionAt">The completion estimate made from the queue place when it was read.</param>
public sealed record LiveSignal(int Attempt, double? Progress, int? QueuePosition, int? PoolCapacity, DateTimeOffset AsOf,
    DateTimeOffset? EstimatedCompletionAt);
