using System.Security.Cryptography;
using System.Text.RegularExpressions;
using k8s;
using Nexus.Gateway.Kube;

namespace Nexus.Gateway.Auth;

/// <summary>
/// <c>keys create --tenant T[,T2] --scopes S[,S2] [--name N] [--description D]</c> prints a new key once (stdout)
/// and stores only its hash; <c>keys revoke NAME</c> deletes it; <c>keys list</c> shows the keys without secrets.
/// </summary>
public static partial class KeysCli
{
    public const string Usage = """
        usage: Nexus.Gateway keys create --tenant TENANT[,TENANT...] --scopes SCOPE[,SCOPE...] [--name NAME] [--description TEXT]
               Nexus.Gateway keys revoke NAME
               Nexus.Gateway keys list
        Uses KUBECONFIG (or in-cluster config) and NEXUS_NAMESPACE (default 'default').
        """;

    public static async Task<int> RunAsync(string[] args, GatewayOptions options, TextWriter output, TextWriter errors,
        IKubernetes? client = null, CancellationToken ct = default)
    {
        if (args.Length == 0) { await errors.WriteLineAsync(Usage); return 2; }
        try
        {
            client ??= KubeClientFactory.Create(options.KubeconfigPath);
            return args[0] switch
            {
                "create" => await CreateAsync(args[1..], client, options.Namespace, output, errors, ct),
                "revoke" when args.Length == 2 => await RevokeAsync(args[1], client, options.Namespace, output, errors, ct),
                "list" when args.Length == 1 => await ListAsync(client, options.Namespace, output, ct),
                _ => await UsageError(errors, $"unknown or incomplete command: {string.Join(' ', args)}"),
            };
        }
        catch (k8s.Autorest.HttpOperationException ex)
        {
            await errors.WriteLineAsync($"error: Kubernetes API answered {(int?)ex.Response?.StatusCode}: {KubeCall.StatusMessage(ex)}");
            return 1;
        }
        catch (HttpRequestException ex)
        {
            await errors.WriteLineAsync($"error: cannot reach the Kubernetes API: {ex.Message}");
            return 1;
        }
    }

    private static async Task<int> CreateAsync(string[] args, IKubernetes client, string ns, TextWriter output, TextWriter errors, CancellationToken ct)
    {
        var tenants = new List<string>();
        var scopes = new List<string>();
        string? name = null, description = null;
        for (var i = 0; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[i + 1] : null;
            switch (args[i])
            {
                case "--tenant" or "--tenants" when value is not null: tenants.AddRange(ApiKeySecret.List(value)); i++; break;
                case "--scopes" or "--scope" when value is not null: scopes.AddRange(ApiKeySecret.List(value)); i++; break;
                case "--name" when value is not null: name = value; i++; break;
                case "--description" when value is not null: description = value; i++; break;
                default: return await UsageError(errors, $"unexpected argument '{args[i]}'");
            }
        }
        if (tenants.Count == 0) return await UsageError(errors, "--tenant is required");
        if (scopes.Count == 0) return await UsageError(errors, "--scopes is required");
        if (tenants.FirstOrDefault(t => !TenantPattern().IsMatch(t)) is { } badTenant)
            return await UsageError(errors, $"invalid tenant '{badTenant}': lowercase letters, digits, '_', '.', '-' (max 63)");
        if (scopes.FirstOrDefault(s => !ScopePattern().IsMatch(s)) is { } badScope)
            return await UsageError(errors, $"invalid scope '{badScope}': expected e.g. ai-jobs:read, ai-jobs:write");
        name ??= "nexus-api-key-" + RandomSuffix();
        if (!NamePattern().IsMatch(name)) return await UsageError(errors, $"invalid name '{name}': a lowercase DNS name");

        var key = ApiKeyFormat.NewKey();
        var secret = ApiKeySecret.Build(name, ApiKeyFormat.Hash(key), tenants.Distinct(), scopes.Distinct(), description);
        await client.CoreV1.CreateNamespacedSecretAsync(secret, ns, cancellationToken: ct);
        await output.WriteLineAsync(key);
        await errors.WriteLineAsync($"Created API key '{name}' in namespace {ns} for tenants [{string.Join(',', tenants)}] " +
                                    $"with scopes [{string.Join(',', scopes)}]. The key above is shown only once; only its SHA-256 is stored.");
        return 0;
    }

    private static async Task<int> RevokeAsync(string name, IKubernetes client, string ns, TextWriter output, TextWriter errors, CancellationToken ct)
    {
        try
        {
            var secret = await client.CoreV1.ReadNamespacedSecretAsync(name, ns, cancellationToken: ct);
            if (secret.Metadata.Labels?.TryGetValue(ApiKeySecret.Label, out var v) != true || v != "true")
            {
                await errors.WriteLineAsync($"error: Secret '{name}' is not an API key (no {ApiKeySecret.Selector} label)");
                return 1;
            }
            await client.CoreV1.DeleteNamespacedSecretAsync(name, ns, cancellationToken: ct);
        }
        catch (k8s.Autorest.HttpOperationException ex) when (KubeErrors.IsNotFound(ex))
        {
            await errors.WriteLineAsync($"error: no API key named '{name}'");
            return 1;
        }
        await output.WriteLineAsync($"Revoked API key '{name}'");
        return 0;
    }

    private static async Task<int> ListAsync(IKubernetes client, string ns, TextWriter output, CancellationToken ct)
    {
        var secrets = await client.CoreV1.ListNamespacedSecretAsync(ns, labelSelector: ApiKeySecret.Selector, cancellationToken: ct);
        await output.WriteLineAsync($"{"NAME",-32} {"TENANTS",-24} {"SCOPES",-32} DESCRIPTION");
        foreach (var secret in secrets.Items.OrderBy(s => s.Metadata.Name, StringComparer.Ordinal))
        {
            var key = ApiKeySecret.Parse(secret);
            if (key is null) continue;
            await output.WriteLineAsync($"{key.Name,-32} {string.Join(',', key.Tenants),-24} {string.Join(',', key.Scopes),-32} {key.Description}");
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
