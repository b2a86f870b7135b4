using Nexus.Crds.Entities;
using Nexus.Gateway.Outcomes;

namespace Nexus.Gateway.Api;

/// <summary>
/// Bounds of what the gateway answers, stated in the OpenAPI document and enforced here, where every error body is
/// made: a message echoing a client's long input is clipped, not passed on whole.
/// </summary>
public static class ApiBounds
{
    public const int MessageMaxLength = 2048;
    public const int MaxDetails = 100;
    public const int FieldPathMaxLength = 512;
    public const int RuleMaxLength = 64;
    /// <summary>Object names (and so ids of jobs created with kubectl) are DNS subdomains.</summary>
    public const int IdMaxLength = 253;
    public const int CursorMaxLength = 1024;
    public const int TimestampMaxLength = 32;

    public static ErrorBody ErrorBody(string code, string message, IReadOnlyList<FieldError>? details) => new(
        code,
        TextBounds.Clip(message, MessageMaxLength),
        details is { Count: > 0 }
            ? details.Take(MaxDetails).Select(d => d with
            {
                Field = TextBounds.Clip(d.Field, FieldPathMaxLength),
                Message = TextBounds.Clip(d.Message, MessageMaxLength),
                Rule = d.Rule is null ? null : TextBounds.Clip(d.Rule, RuleMaxLength),
            }).ToList()
            : null);
}
