using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace Nexus.Gateway.Events;

/// <summary>
/// The bounded ring of recent job changes every event stream reads from. One writer (<see cref="JobEventFeed"/>)
/// appends, giving each change the next sequence of this process's <see cref="Epoch"/>; streams read lock-free from
/// their own position, so nothing is copied per stream and a stream's backlog is its distance from the head. A
/// position the ring has overwritten (more than <see cref="Capacity"/> changes ago) can no longer be resumed from.
/// </summary>
public sealed class EventRing
{
    private readonly JobChange?[] _slots;
    private readonly ConcurrentDictionary<string, JobChange> _latest = new(StringComparer.Ordinal);
    private TaskCompletionSource _appended = NewSignal();
    private long _head;

    public EventRing(int capacity, string? epoch = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _slots = new JobChange?[capacity];
        // Random per process: a restarted gateway, or another replica, never continues someone else's sequence.
        Epoch = epoch ?? Convert.ToHexString(RandomNumberGenerator.GetBytes(5)).ToLowerInvariant();
    }

    public string Epoch { get; }

    public int Capacity => _slots.Length;

    /// <summary>The sequence of the newest change (0 before the first).</summary>
    public long Head => Volatile.Read(ref _head);

    /// <summary>Completes at the next append; take it before reading <see cref="Head"/> so no append is missed.</summary>
    public Task NextAppend => Volatile.Read(ref _appended).Task;

    /// <summary>The newest change of a job that is still in etcd (none once its AiJob is gone).</summary>
    public JobChange? Latest(string name) => _latest.TryGetValue(name, out var change) ? change : null;

    /// <summary>Appends changes in order (the one writer), then wakes the streams once.</summary>
    public void Append(IReadOnlyList<JobChange> changes)
    {
        if (changes.Count == 0) return;
        foreach (var change in changes)
        {
            var sequence = _head + 1;
            change.Sequence = sequence;
            Volatile.Write(ref _slots[sequence % _slots.Length], change);
            if (change.Gone) _latest.TryRemove(change.Name, out _);
            else _latest[change.Name] = change;
            // Published after the slot: a reader that sees the head sees the slot.
            Volatile.Write(ref _head, sequence);
        }
        Interlocked.Exchange(ref _appended, NewSignal()).TrySetResult();
    }

    /// <summary>The change with this sequence; false when it is not written yet or already overwritten.</summary>
    public bool TryGet(long sequence, out JobChange change)
    {
        change = Volatile.Read(ref _slots[sequence % _slots.Length])!;
        return change is not null && change.Sequence == sequence;
    }

    /// <summary>Whether every change after <paramref name="sequence"/> is still held (or yet to come).</summary>
    public bool Holds(long sequence)
    {
        var head = Head;
        return sequence <= head && sequence >= head - _slots.Length && sequence >= 0;
    }

    /// <summary>Where a reconnecting stream starts: after its last id when the ring holds it, else now with the reason.</summary>
    public (long After, string? ResetReason) Resume(StreamPosition? last)
    {
        var head = Head;
        if (last is not { } position) return (head, null);
        if (position.Epoch != Epoch) return (head, ResetReasons.UnknownEpoch);
        if (position.Sequence > head) return (head, ResetReasons.UnknownEpoch);
        if (!Holds(position.Sequence)) return (head, ResetReasons.Expired);
        return (position.Sequence, null);
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}

/// <summary>The <c>reason</c> of a <c>reset</c> event: why the stream cannot go on from where the client was.</summary>
public static class ResetReasons
{
    /// <summary>The id is of another gateway process (restarted, or another replica): re-read, then go on from here.</summary>
    public const string UnknownEpoch = "unknown_epoch";

    /// <summary>The id is older than the changes this gateway still keeps: re-read, then go on from here.</summary>
    public const string Expired = "expired";

    /// <summary>The client read too slowly and fell further behind than the gateway keeps: the stream is closed.</summary>
    public const string TooSlow = "too_slow";
}
