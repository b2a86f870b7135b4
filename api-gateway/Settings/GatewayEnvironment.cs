using System.Collections;
using System.Globalization;
using System.Reflection;
using System.Text;

namespace Nexus.Gateway.Settings;

/// <summary>
/// The one naming convention of the gateway's environment variables: <c>NEXUS_GATEWAY_</c> + a setting of
/// <see cref="GatewayOptions"/> in upper snake case, plus <c>NEXUS_NAMESPACE</c> and <c>KUBECONFIG</c>, which the
/// operator and kubectl share. Read into the configuration section <see cref="GatewayOptions.Section"/>.
/// </summary>
public static class GatewayEnvironment
{
    public const string Prefix = "NEXUS_GATEWAY_";

    /// <summary>Bindable settings, by property name.</summary>
    private static readonly IReadOnlyList<PropertyInfo> Settings = typeof(GatewayOptions)
        .GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite).ToList();

    /// <summary>The environment variable that sets a property.</summary>
    public static string VariableOf(string property) => property switch
    {
        nameof(GatewayOptions.Namespace) => "NEXUS_NAMESPACE",
        nameof(GatewayOptions.KubeconfigPath) => "KUBECONFIG",
        nameof(GatewayOptions.DatabaseUrl) => "NEXUS_DATABASE_URL",
        _ => Prefix + UpperSnake(property),
    };

    /// <summary>The configuration keys the environment sets, e.g. <c>Gateway:MaxQueuedJobs</c>.</summary>
    public static Dictionary<string, string?> Read(IDictionary environment)
    {
        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var property in Settings)
        {
            if (environment[VariableOf(property.Name)] is string value && value.Trim().Length > 0)
                values[$"{GatewayOptions.Section}:{property.Name}"] = value.Trim();
        }
        return values;
    }

    /// <summary>The configuration keys that give exactly these options (in-process hosts: tests, benchmarks).</summary>
    public static Dictionary<string, string?> From(GatewayOptions options)
    {
        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var property in Settings)
        {
            var value = property.GetValue(options);
            if (value is not null) values[$"{GatewayOptions.Section}:{property.Name}"] = Convert.ToString(value, CultureInfo.InvariantCulture);
        }
        return values;
    }

    /// <summary>
    /// The options these configuration values give, bound and checked as at start (for the <c>keys</c> verb, which
    /// runs without the host); throws <see cref="Microsoft.Extensions.Options.OptionsValidationException"/> when invalid.
    /// </summary>
    public static GatewayOptions Load(IReadOnlyDictionary<string, string?> values)
    {
        var configuration = new Microsoft.Extensions.Configuration.ConfigurationBuilder().AddInMemoryCollection(values).Build();
        var options = configuration.GetSection(GatewayOptions.Section).Get<GatewayOptions>() ?? new GatewayOptions();
        var result = new GatewayOptionsValidator().Validate(null, options);
        if (result.Failed) throw new Microsoft.Extensions.Options.OptionsValidationException(GatewayOptions.Section, typeof(GatewayOptions), result.Failures);
        return options;
    }

    /// <summary>A configuration error's text with each setting named by its environment variable too.</summary>
    public static string Explain(string message)
    {
        foreach (var property in Settings)
            message = message.Replace($"'{GatewayOptions.Section}:{property.Name}'", $"{VariableOf(property.Name)} ('{GatewayOptions.Section}:{property.Name}')",
                StringComparison.OrdinalIgnoreCase);
        return message;
    }

    private static string UpperSnake(string name)
    {
        var text = new StringBuilder();
        for (var i = 0; i < name.Length; i++)
        {
            if (i > 0 && char.IsUpper(name[i])) text.Append('_');
            text.Append(char.ToUpperInvariant(name[i]));
        }
        return text.ToString();
    }
}
