namespace Nexus.Operator.Dispatch;

/// <summary>How one attempt of a job ended, as seen from the worker; <see cref="OutcomeWriter"/> writes it down.</summary>
public abstract record AttemptEnd
{
    /// <summary>The worker finished the job with this result (none, or too large to read: <paramref name="TooLargeBytes"/>).</summary>
    public sealed record Completed(ResultBody? Result, long? TooLargeBytes = null) : AttemptEnd;

    /// <summary>Failed for good: the job fails with this code.</summary>
    public sealed record Failed(string Code, string Message) : AttemptEnd;

    /// <summary>Failed in a way another attempt may fix: retried while retries remain.</summary>
    public sealed record Retryable(string Code, string Message) : AttemptEnd;

    /// <summary>The worker was full (429): the attempt never started and does not count.</summary>
    public sealed record Busy : AttemptEnd;
}
