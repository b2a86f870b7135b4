namespace Nexus.Gateway.Outcomes;

/// <summary>
/// Why a request was not done, in the API reference's vocabulary (<see cref="ErrorCodes"/>): the code, a message for
/// the client and every field-level problem found. The API layer alone turns it into a status and the error envelope.
/// </summary>
public sealed record Rejection(string Code, string Message, IReadOnlyList<FieldError>? Details = null)
{
    /// <summary>When the client may retry (a full queue).</summary>
    public int? RetryAfterSeconds { get; init; }
}
