using Microsoft.Extensions.Options;
using Nexus.Shared.History;

namespace Nexus.Gateway.Settings;

/// <summary>
/// The service needs the history database: <c>NEXUS_DATABASE_URL</c> must be set and readable. Apart from
/// <see cref="GatewayOptionsValidator"/> because the <c>keys</c> verb, which never touches the database, runs without it.
/// </summary>
public sealed class DatabaseSettingsValidator : IValidateOptions<GatewayOptions>
{
    public ValidateOptionsResult Validate(string? name, GatewayOptions options)
    {
        var variable = GatewayEnvironment.VariableOf(nameof(GatewayOptions.DatabaseUrl));
        if (string.IsNullOrWhiteSpace(options.DatabaseUrl))
            return ValidateOptionsResult.Fail($"{variable}: is required (a postgresql://user:password@host:port/database URL or an Npgsql connection string)");
        try
        {
            DatabaseUrl.ToConnectionString(options.DatabaseUrl);
            return ValidateOptionsResult.Success;
        }
        catch (Exception e) when (e is FormatException or ArgumentException or KeyNotFoundException)
        {
            return ValidateOptionsResult.Fail($"{variable}: is not a database URL or connection string ({e.Message}), got '{DatabaseUrl.Redact(options.DatabaseUrl)}'");
        }
    }
}
