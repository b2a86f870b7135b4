using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Nexus.Gateway.Settings;

/// <summary>
/// Checks the settings at start (the attributes on <see cref="GatewayOptions"/>, and what they cannot say); every
/// failure names the environment variable to fix and the value it had.
/// </summary>
public sealed class GatewayOptionsValidator : IValidateOptions<GatewayOptions>
{
    public ValidateOptionsResult Validate(string? name, GatewayOptions options)
    {
        var failures = new List<string>();
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        foreach (var result in results)
        {
            foreach (var member in result.MemberNames)
            {
                var value = typeof(GatewayOptions).GetProperty(member)?.GetValue(options);
                failures.Add($"{GatewayEnvironment.VariableOf(member)}: {Reason(result, member)}, got '{value}'");
            }
        }
        if (options.MinimumLogLevel is null)
            failures.Add($"{GatewayEnvironment.VariableOf(nameof(GatewayOptions.LogLevel))}: must be Trace, Debug, Information, Warning, Error, Critical or None, got '{options.LogLevel}'");
        if (options.LogFormat.Trim().ToLowerInvariant() is not ("json" or "simple" or "none"))
            failures.Add($"{GatewayEnvironment.VariableOf(nameof(GatewayOptions.LogFormat))}: must be json, simple or none, got '{options.LogFormat}'");
        if (options.Urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .FirstOrDefault(u => !Uri.TryCreate(u, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")) is { } badUrl)
            failures.Add($"{GatewayEnvironment.VariableOf(nameof(GatewayOptions.Urls))}: '{badUrl}' is not an http(s) address");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    // The attributes' own messages name the property; ours name the variable, so keep only what is wrong.
    private static string Reason(ValidationResult result, string member) => (result.ErrorMessage ?? "is invalid")
        .Replace($"The field {member} ", "", StringComparison.Ordinal)
        .Replace($"The {member} field ", "", StringComparison.Ordinal)
        .TrimEnd('.');
}
