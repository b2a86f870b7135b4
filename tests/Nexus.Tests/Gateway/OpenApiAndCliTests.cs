using Microsoft.Extensions.DependencyInjection;
using k8s;
using Microsoft.AspNetCore.Routing;
using Nexus.Gateway;
using Nexus.Gateway.Api;
using Nexus.Gateway.Auth;
using Nexus.Tests.Support;

namespace Nexus.Tests.Gateway;

public class OpenApiAndCliTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private GatewayHarness H => fixture.Harness;

    [Fact]
    public async Task Every_route_is_in_the_OpenAPI_document_with_its_errors()
    {
        var document = (await H.GetAsync("/openapi/v1.json", null)).Json;
        var paths = document.GetProperty("paths");
        var endpoints = H.Gateway.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>().ToList();
        // Only the dashboard's static files and the document itself are left out of it: they are pages, not API.
        var undocumented = endpoints.Where(e => e.Metadata.GetMetadata<IExcludeFromDescriptionMetadata>() is { ExcludeFromDescription: true })
            .Select(e => "/" + e.RoutePattern.RawText!.Trim('/')).ToList();
        Assert.All(undocumented, path => Assert.Matches("^/(ui|openapi/)", path));
        var routes = endpoints
            .Where(e => e.RoutePattern.RawText is { } raw && !raw.StartsWith("/openapi", StringComparison.Ordinal))
            .Where(e => e.Metadata.GetMetadata<IExcludeFromDescriptionMetadata>() is not { ExcludeFromDescription: true })
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? []).Select(m => (Path: "/" + e.RoutePattern.RawText!.Trim('/'), Method: m)))
            .ToList();
        Assert.True(routes.Count >= 9, $"found only {routes.Count} routes");
        foreach ((string path, string method) in routes)
        {
            Assert.True(paths.TryGetProperty(path, out var item), $"{path} missing from the OpenAPI document");
            Assert.True(item.TryGetProperty(method.ToLowerInvariant(), out _), $"{method} {path} missing from the OpenAPI document");
        }
        var dispatch = paths.GetProperty("/api/ai-jobs").GetProperty("post");
        Assert.True(dispatch.GetProperty("requestBody").GetProperty("content").TryGetProperty("application/json", out _));
        foreach (var status in new[] { "202", "401", "403", "422", "429" })
            Assert.True(dispatch.GetProperty("responses").TryGetProperty(status, out _), $"dispatch lacks {status}");
        Assert.True(paths.GetProperty("/api/ai-jobs/{jobId}").GetProperty("delete").GetProperty("responses").TryGetProperty("409", out _));
        Assert.Contains("JOB_NOT_CANCELLABLE", document.GetProperty("info").GetProperty("description").GetString());
    }

    [Fact]
    public async Task The_document_types_bodies_per_job_type_errors_security_and_the_tenant_header()
    {
        var document = (await H.GetAsync("/openapi/v1.json", null)).Json;
        var schemas = document.GetProperty("components").GetProperty("schemas");
        var dispatch = schemas.GetProperty("DispatchJobRequest");
        Assert.Equal("type", dispatch.GetProperty("discriminator").GetProperty("propertyName").GetString());
        var mapping = dispatch.GetProperty("discriminator").GetProperty("mapping");
        Assert.Equal(Nexus.Crds.Entities.JobTypes.All.Order(), mapping.EnumerateObject().Select(p => p.Name).Order());
        foreach (var type in Nexus.Crds.Entities.JobTypes.All)
        {
            var variant = schemas.GetProperty($"Dispatch_{type}");
            Assert.Equal(type, variant.GetProperty("properties").GetProperty("type").GetProperty("const").GetString());
            // A dispatch may carry its own callback_url; a batch's job may not, as the gateway refuses it there.
            Assert.True(variant.GetProperty("properties").TryGetProperty("callback_url", out _), type);
            Assert.False(schemas.GetProperty($"BatchItem_{type}").GetProperty("properties").TryGetProperty("callback_url", out _), type);
            // The params of each variant are the committed schema of its type, unchanged but for its $schema.
            var committed = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(RepoPaths.Of("crds", "params", $"{type}.schema.json")))!.AsObject();
            committed.Remove("$schema");
            Assert.True(System.Text.Json.Nodes.JsonNode.DeepEquals(committed, System.Text.Json.Nodes.JsonNode.Parse(schemas.GetProperty($"Params_{type}").GetRawText())), type);
        }
        Assert.Equal(ErrorStatuses.ByCode.Keys.Order(), schemas.GetProperty("ErrorCode").GetProperty("enum").EnumerateArray().Select(c => c.GetString()!).Order());
        Assert.Equal("bearer", document.GetProperty("components").GetProperty("securitySchemes").GetProperty("apiKey").GetProperty("scheme").GetString());
        Assert.Equal("X-Tenant-ID", document.GetProperty("components").GetProperty("parameters").GetProperty("TenantId").GetProperty("name").GetString());

        foreach (var path in document.GetProperty("paths").EnumerateObject())
            foreach (var operation in path.Value.EnumerateObject())
            {
                var secured = operation.Value.GetProperty("security").GetArrayLength() > 0;
                Assert.Equal(path.Name.StartsWith("/api/", StringComparison.Ordinal), secured);
                if (!secured) continue;
                var responses = operation.Value.GetProperty("responses");
                foreach (var status in new[] { "400", "401", "403", "500", "503" })
                    Assert.True(responses.TryGetProperty(status, out _), $"{operation.Name} {path.Name} lacks {status}");
                Assert.Contains(operation.Value.GetProperty("parameters").EnumerateArray(),
                    p => p.TryGetProperty("$ref", out var r) && r.GetString() == "#/components/parameters/TenantId");
                // Each error status names exactly the codes of that status it can answer with.
                foreach (var response in responses.EnumerateObject().Where(r => r.Name[0] is '4' or '5'))
                {
                    var codes = response.Value.GetProperty("content").GetProperty("application/json").GetProperty("schema").GetProperty("allOf")[1]
                        .GetProperty("properties").GetProperty("error").GetProperty("properties").GetProperty("code").GetProperty("enum")
                        .EnumerateArray().Select(c => c.GetString()!).ToList();
                    Assert.NotEmpty(codes);
                    Assert.All(codes, c => Assert.Equal(int.Parse(response.Name, System.Globalization.CultureInfo.InvariantCulture), ErrorStatuses.Of(c)));
                }
            }
        var dispatchResponses = document.GetProperty("paths").GetProperty("/api/ai-jobs").GetProperty("post").GetProperty("responses");
        Assert.True(dispatchResponses.GetProperty("429").GetProperty("headers").TryGetProperty("Retry-After", out _));
        Assert.Equal("#/components/schemas/JobEnvelope",
            dispatchResponses.GetProperty("202").GetProperty("content").GetProperty("application/json").GetProperty("schema").GetProperty("$ref").GetString());
    }

    [Fact]
    public async Task The_keys_cli_creates_lists_and_revokes_keys_storing_only_the_hash()
    {
        var tenant = GatewayFixture.NewTenant();
        var options = H.Options with { Namespace = GatewayHarness.Namespace };
        using var api = new Nexus.Shared.KubeApi(Nexus.Shared.KubeApi.LoadConfig(H.Kube.KubeconfigPath));
        var output = new StringWriter();
        var errors = new StringWriter();
        var name = "cli-" + tenant;
        var code = await KeysCli.RunAsync(["create", "--tenant", tenant, "--scopes", "ai-jobs:read,ai-jobs:write", "--name", name],
            options, output, errors, api);
        Assert.True(code == 0, errors.ToString());
        var key = output.ToString().Trim();
        Assert.StartsWith("nxk_", key);

        var secret = await H.Client.CoreV1.ReadNamespacedSecretAsync(name, GatewayHarness.Namespace);
        Assert.Equal(ApiKeyFormat.Hash(key), System.Text.Encoding.UTF8.GetString(secret.Data["sha256"]));
        Assert.DoesNotContain(secret.Data.Values, v => System.Text.Encoding.UTF8.GetString(v).Contains(key, StringComparison.Ordinal));
        await Wait.UntilAsync(async () => (await H.GetAsync("/api/ai-jobs", key)).Status == 200, "the new key works");

        var listed = new StringWriter();
        Assert.Equal(0, await KeysCli.RunAsync(["list"], options, listed, errors, api));
        Assert.Contains(name, listed.ToString());
        Assert.DoesNotContain(key, listed.ToString());

        Assert.Equal(0, await KeysCli.RunAsync(["revoke", name], options, new StringWriter(), errors, api));
        await Wait.UntilAsync(async () => (await H.GetAsync("/api/ai-jobs", key)).Status == 401, "the revoked key is refused");

        Assert.Equal(2, await KeysCli.RunAsync(["create", "--tenant", "Bad Tenant", "--scopes", "ai-jobs:read"], options, new StringWriter(), new StringWriter(), api));
        Assert.Equal(1, await KeysCli.RunAsync(["revoke", "no-such-key"], options, new StringWriter(), new StringWriter(), api));
    }

    [Fact]
    public async Task The_gateway_binary_runs_the_keys_verb_against_KUBECONFIG()
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "Nexus.Gateway.dll");
        var tenant = GatewayFixture.NewTenant();
        var start = new System.Diagnostics.ProcessStartInfo("dotnet")
        {
            ArgumentList = { dll, "keys", "create", "--tenant", tenant, "--scopes", "ai-jobs:read", "--name", "bin-" + tenant },
            RedirectStandardOutput = true, RedirectStandardError = true,
            Environment = { ["KUBECONFIG"] = H.Kube.KubeconfigPath, ["NEXUS_NAMESPACE"] = GatewayHarness.Namespace },
        };
        using var process = System.Diagnostics.Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        Assert.True(process.ExitCode == 0, await stderr);
        var key = (await stdout).Trim();
        Assert.StartsWith("nxk_", key);
        Assert.Contains("shown only once", await stderr);
        await Wait.UntilAsync(async () => (await H.GetAsync("/api/ai-jobs", key)).Status == 200, "the key printed by the binary works");
    }
}
