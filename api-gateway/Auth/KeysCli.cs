using System.Security.Cryptography;
using System.Text.RegularExpressions;
using k8s.Models;
using Microsoft.Extensions.Options;
using Nexus.Gateway.RateLimiting;
using Nexus.Gateway.Settings;
using Nexus.Shared;

namespace Nexus.Gateway.Auth;

/// <summary>
/// <c>keys create --tenant T[,T2] --scopes S[,S2] [--name N] [--description D] [--rate-limit R [--burst B]]</c> prints a new key once (stdout)
/// and stores only its hash; <c>keys revoke NAME</c> deletes it; <c>keys list</c> shows the keys without secrets.
/// </summary>
public static partial class KeysCli
{
    public const string Usage = """
        usage: Nexus.Gateway keys create --tenant TENANT[,TENANT...] --scopes SCOPE[,SCOPE...] [--name NAME] [--description TEXT]
                                         [--rate-limit REQUESTS_PER_SECOND [--burst REQUESTS]]
               Nexus.Gateway keys revoke NAME
               Nexus.Gateway keys list
        Uses KUBECONFIG (or in-cluster config) and NEXUS_NAMESPACE (default 'default').
        """;

    /// <summary>Runs a verb with the settings of the environment (<c>NEXUS_NAMESPACE</c>, <c>KUBECONFIG</c>).</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter errors, CancellationToken ct = default)
    {
        GatewayOptions options;
        try
        {
            options = GatewayEnvironment.Load(GatewayEnvironment.Read(Environment.GetEnvironmentVariables()));
        }
        catch (Exception e) when (e is OptionsValidationException or InvalidOperationException)
        {
            await errors.WriteLineAsync("error: invalid settings: " + GatewayEnvironment.Explain(e.Message));
            return 2;
        }
        return await RunAsync(args, options, output, errors, null, ct);
    }

    public static async Task<int> RunAsync(string[] args, GatewayOptions options, TextWriter output, TextWriter errors,
        KubeApi? api = null, CancellationToken ct = default)
    {
        if (args.Length == 0) { await errors.WriteLineAsync(Usage); return 2; }
        var owned = api is null ? new KubeApi(KubeApi.LoadConfig(options.KubeconfigPath)) : null;
        api ??= owned!;
        try
        {
            return args[0] switch
            {
                "create" => await CreateAsync(args[1..], api, options.Namespace, output, errors, ct),
                "revoke" when args.Length == 2 => await RevokeAsync(args[1], api, options.Namespace, output, errors, ct),
                "list" when args.Length == 1 => await ListAsync(api, options.Namespace, output, ct),
                _ => await UsageError(errors, $"unknown or incomplete command: {string.Join(' ', args)}"),
            };
        }
        catch (KubeApiException ex)
        {
            await errors.WriteLineAsync($"error: Kubernetes API answered {(int)ex.Status}: {ex.StatusMessage}");
            return 1;
        }
        catch (HttpRequestException ex)
        {
            await errors.WriteLineAsync($"error: cannot reach the Kubernetes API: {ex.Message}");
            return 1;
        }
        finally
        {
            owned?.Dispose();
        }
    }

    private static async Task<int> CreateAsync(string[] args, KubeApi api, string ns, TextWriter output, TextWriter errors, CancellationToken ct)
    {
        var tenants = new List<string>();
        var scopes = new List<string>();
        string? name = null, description = null, rate = null, burst = null;
        for (var i = 0; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[i + 1] : null;
            switch (args[i])
            {
                case "--tenant" or "--tenants" when value is not null: tenants.AddRange(ApiKeySecret.List(value)); i++; break;
                case "--scopes" or "--scope" when value is not null: scopes.AddRange(ApiKeySecret.List(value)); i++; break;
                case "--name" when value is not null: name = value; i++; break;
                case "--description" when value is not null: description = value; i++; break;
                case "--rate-limit" when value is not null: rate = value; i++; break;
                case "--burst" when value is not null: burst = value; i++; break;
                default: return await UsageError(errors, $"unexpected argument '{args[i]}'");
            }
        }
        if (tenants.Count == 0) return await UsageError(errors, "--tenant is required");
        if (scopes.Count == 0) return await UsageError(errors, "--scopes is required");
        if (tenants.FirstOrDefault(t => !TenantPattern().IsMatch(t)) is { } badTenant)
            return await UsageError(errors, $"invalid tenant '{badTenant}': lowercase letters, digits, '_', '.', '-' (max 63)");
        if (scopes.FirstOrDefault(s => !ScopePattern().IsMatch(s)) is { } badScope)
            return await UsageError(errors, $"invalid scope '{badScope}': expected e.g. ai-jobs:read, ai-jobs:write");
        KeyRateLimit? rateLimit = null;
        if (rate is not null || burst is not null)
        {
            rateLimit = rate is null ? null : KeyRateLimit.Parse(rate, burst);
            if (rateLimit is null)
                return await UsageError(errors, $"--rate-limit must be 1-{KeyRateLimit.MaxPerSecond} requests per second and --burst 1-{KeyRateLimit.MaxBurst} (and needs --rate-limit)");
        }
        name ??= "nexus-api-key-" + RandomSuffix();
        if (!NamePattern().IsMatch(name)) return await UsageError(errors, $"invalid name '{name}': a lowercase DNS name");

        var key = ApiKeyFormat.NewKey();
        var secret = ApiKeySecret.Build(name, ApiKeyFormat.Hash(key), tenants.Distinct(), scopes.Distinct(), description, rateLimit);
        await api.CreateAsync(ResourceKind.Secret.Collection(ns), secret, ct);
        await output.WriteLineAsync(key);
        await errors.WriteLineAsync($"Created API key '{name}' in namespace {ns} for tenants [{string.Join(',', tenants)}] " +
                                    $"with scopes [{string.Join(',', scopes)}], rate limit {rateLimit?.ToString() ?? "the gateway's default"}. The key above is shown only once; only its SHA-256 is stored.");
        return 0;
    }

    private static async Task<int> RevokeAsync(string name, KubeApi api, string ns, TextWriter output, TextWriter errors, CancellationToken ct)
    {
        var secret = await api.GetAsync<V1Secret>(ResourceKind.Secret.Item(ns, name), ct);
        if (secret is not null && (secret.Metadata.Labels?.TryGetValue(ApiKeySecret.Label, out var v) != true || v != "true"))
        {
            await errors.WriteLineAsync($"error: Secret '{name}' is not an API key (no {ApiKeySecret.Selector} label)");
            return 1;
        }
        // Delete only the Secret that was checked (uid precondition), in case it was replaced since.
        if (secret is null || !await api.DeleteAsync(ResourceKind.Secret.Item(ns, name), secret.Metadata.Uid, ct))
        {
            await errors.WriteLineAsync($"error: no API key named '{name}'");
            return 1;
        }
        await output.WriteLineAsync($"Revoked API key '{name}'");
        return 0;
    }

    private static async Task<int> ListAsync(KubeApi api, string ns, TextWriter output, CancellationToken ct)
    {
        var secrets = await api.ListAllAsync<V1Secret>(ResourceKind.Secret.Collection(ns), ct, ApiKeySecret.Selector);
        await output.WriteLineAsync($"{"NAME",-32} {"TENANTS",-24} {"SCOPES",-32} {"RATE LIMIT",-20} DESCRIPTION");
        foreach (var secret in secrets.OrderBy(s => s.Metadata.Name, StringComparer.Ordinal))
        {
            var key = ApiKeySecret.Parse(secret);
            if (key is null) continue;
            await output.WriteLineAsync($"{key.Name,-32} {string.Join(',', key.Tenants),-24} {string.Join(',', key.Scopes),-32} {key.RateLimit?.ToString() ?? "default",-20} {key.Description}");
        }
        return 0;
    }

    private static async Task<int> UsageError(TextWriter errors, string message)
    {
        await errors.WriteLineAsync("error: " + message);
        await errors.WriteLineAsync(Usage);
        return 2;
    }

    private static string RandomSuffix()
    {
        const string alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
        return string.Create(8, 0, (span, _) =>
        {
            for (var i = 0; i < span.Length; i++) span[i] = alphabet[RandomNumberGenerator.GetInt32(alphabet.Length)];
        });
    }

    [GeneratedRegex("^[a-z0-9]([a-z0-9_.-]{0,61}[a-z0-9])?$")]
    private static partial Regex TenantPattern();

    [GeneratedRegex("^[a-z0-9*-]+:[a-z0-9*-]+$")]
    private static partial Regex ScopePattern();

    [GeneratedRegex("^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$")]
    private static partial Regex NamePattern();
}
