using System.Text.Json;

namespace Nexus.Gateway.Validation;

/// <summary>A validated job: known type, known priority, params checked against the type's schema; its own webhook URL when given.</summary>
public sealed record JobRequest(string Type, string Priority, JsonElement Params, string? CallbackUrl = null);
