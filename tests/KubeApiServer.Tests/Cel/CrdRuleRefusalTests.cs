using k8s.Autorest;

namespace Nexus.KubeApiServer.Tests.Cel;

/// <summary>A CRD whose rules leave the stand-in's CEL subset is refused when applied, so no rule goes unenforced.</summary>
public class CrdRuleRefusalTests
{
    static V1CustomResourceDefinition Crd(string rule) => new()
    {
        Metadata = new V1ObjectMeta { Name = "widgets.example.com" },
        Spec = new V1CustomResourceDefinitionSpec
        {
            Group = "example.com",
            Scope = "Namespaced",
            Names = new V1CustomResourceDefinitionNames { Kind = "Widget", Plural = "widgets" },
            Versions =
            [
                new V1CustomResourceDefinitionVersion
                {
                    Name = "v1", Served = true, Storage = true,
                    Schema = new V1CustomResourceValidation
                    {
                        OpenAPIV3Schema = new V1JSONSchemaProps
                        {
                            Type = "object",
                            Properties = new Dictionary<string, V1JSONSchemaProps>
                            {
                                ["spec"] = new()
                                {
                                    Type = "object",
                                    Properties = new Dictionary<string, V1JSONSchemaProps> { ["name"] = new() { Type = "string", MaxLength = 10 } },
                                    XKubernetesValidations = [new V1ValidationRule { Rule = rule, Message = "bad name" }],
                                },
                            },
                        },
                    },
                },
            ],
        },
    };

    [Fact]
    public async Task A_rule_outside_the_subset_refuses_the_crd_naming_rule_and_construct()
    {
        await using var server = await KubeApiServer.StartAsync();
        using var client = server.CreateClient();
        var e = await Assert.ThrowsAsync<HttpOperationException>(() =>
            client.ApiextensionsV1.CreateCustomResourceDefinitionAsync(Crd("self.name.startsWith('w')")));
        Assert.Equal(422, (int)e.Response.StatusCode);
        var status = JsonNode.Parse(e.Response.Content)!;
        var cause = status["details"]!["causes"]![0]!;
        Assert.Equal("spec.versions[0].schema.openAPIV3Schema.properties[spec].x-kubernetes-validations[0].rule", cause["field"]!.GetValue<string>());
        Assert.Equal("Invalid value: \"self.name.startsWith('w')\": compilation failed: the stand-in's CEL subset does not support the function startsWith()",
            cause["message"]!.GetValue<string>());
        await Assert.ThrowsAsync<HttpOperationException>(() => client.ApiextensionsV1.ReadCustomResourceDefinitionAsync("widgets.example.com"));
    }

    [Fact]
    public async Task A_rule_inside_the_subset_is_enforced_on_the_custom_resources()
    {
        await using var server = await KubeApiServer.StartAsync();
        using var client = server.CreateClient();
        await client.ApiextensionsV1.CreateCustomResourceDefinitionAsync(Crd("self.name.matches('^w')"));
        var widget = new JsonObject
        {
            ["apiVersion"] = "example.com/v1", ["kind"] = "Widget", ["metadata"] = new JsonObject { ["name"] = "a" },
            ["spec"] = new JsonObject { ["name"] = "gadget" },
        };
        var e = await Assert.ThrowsAsync<HttpOperationException>(() =>
            client.CustomObjects.CreateNamespacedCustomObjectAsync(widget, "example.com", "v1", "default", "widgets"));
        Assert.Equal(422, (int)e.Response.StatusCode);
        Assert.Equal("Widget.example.com \"a\" is invalid: spec: Invalid value: \"object\": bad name",
            JsonNode.Parse(e.Response.Content)!["message"]!.GetValue<string>());
        widget["spec"]!["name"] = "widget";
        await client.CustomObjects.CreateNamespacedCustomObjectAsync(widget, "example.com", "v1", "default", "widgets");
    }

    [Fact]
    public async Task A_rule_that_fails_to_evaluate_is_reported_as_the_api_server_words_it()
    {
        await using var server = await KubeApiServer.StartAsync();
        using var client = server.CreateClient();
        // spec.name is optional: without it, self.name is a runtime error ("no such key"), not a false.
        await client.ApiextensionsV1.CreateCustomResourceDefinitionAsync(Crd("self.name.matches('^w')"));
        var widget = new JsonObject
        {
            ["apiVersion"] = "example.com/v1", ["kind"] = "Widget", ["metadata"] = new JsonObject { ["name"] = "a" },
            ["spec"] = new JsonObject(),
        };
        var e = await Assert.ThrowsAsync<HttpOperationException>(() =>
            client.CustomObjects.CreateNamespacedCustomObjectAsync(widget, "example.com", "v1", "default", "widgets"));
        Assert.Equal(422, (int)e.Response.StatusCode);
        Assert.Equal("Widget.example.com \"a\" is invalid: spec: Invalid value: \"object\": no such key: name evaluating rule: bad name",
            JsonNode.Parse(e.Response.Content)!["message"]!.GetValue<string>());
    }
}
