using System.ComponentModel;
using System.Reflection;
using System.Text.Json.Nodes;
using k8s.Models;
using Nexus.Crds.Entities;

namespace Nexus.Crds.Schema;

/// <summary>Turns the entity types into CustomResourceDefinition objects and their YAML files.</summary>
public static class CrdGenerator
{
    public static readonly IReadOnlyList<Type> EntityTypes = [typeof(AiJob), typeof(AiJobBatch), typeof(WorkerPool), typeof(TenantQuota)];

    public static string FileName(Type entityType)
    {
        var entity = Entity(entityType);
        return $"{entity.PluralName}.{entity.Group}.yaml";
    }

    /// <summary>The CRD YAML for every entity type, keyed by file name.</summary>
    public static IReadOnlyDictionary<string, string> GenerateAll() =>
        EntityTypes.ToDictionary(FileName, t => YamlWriter.ToYaml(Crd(t)));

    public static JsonObject Crd(Type entityType)
    {
        var entity = Entity(entityType);
        var names = entityType.GetCustomAttribute<CrdNamesAttribute>();
        var specType = entityType.GetProperty("Spec")!.PropertyType;
        var statusType = Nullable.GetUnderlyingType(entityType.GetProperty("Status")!.PropertyType)
                         ?? entityType.GetProperty("Status")!.PropertyType;

        var schema = new JsonObject { ["type"] = "object" };
        var description = entityType.GetCustomAttribute<DescriptionAttribute>()?.Description;
        if (description is not null) schema["description"] = description;
        schema["properties"] = new JsonObject
        {
            ["apiVersion"] = new JsonObject { ["type"] = "string" },
            ["kind"] = new JsonObject { ["type"] = "string" },
            ["metadata"] = new JsonObject { ["type"] = "object" },
            ["spec"] = SchemaBuilder.ForType(specType),
            ["status"] = SchemaBuilder.ForType(statusType),
        };
        schema["required"] = new JsonArray("spec");

        var columns = new JsonArray(entityType.GetCustomAttributes<PrinterColumnAttribute>()
            .OrderBy(c => c.Order)
            .Select(c => (JsonNode)PrinterColumn(c))
            .ToArray());

        return new JsonObject
        {
            ["apiVersion"] = "apiextensions.k8s.io/v1",
            ["kind"] = "CustomResourceDefinition",
            ["metadata"] = new JsonObject
            {
                ["name"] = $"{entity.PluralName}.{entity.Group}",
                ["labels"] = new JsonObject { ["app.kubernetes.io/part-of"] = "nexus-ai-jobs" },
            },
            ["spec"] = new JsonObject
            {
                ["group"] = entity.Group,
                ["names"] = new JsonObject
                {
                    ["kind"] = entity.Kind,
                    ["listKind"] = entity.Kind + "List",
                    ["plural"] = entity.PluralName,
                    ["singular"] = entity.Kind.ToLowerInvariant(),
                    ["shortNames"] = new JsonArray((names?.ShortNames ?? []).Select(s => (JsonNode)s).ToArray()),
                    ["categories"] = new JsonArray((names?.Categories ?? []).Select(s => (JsonNode)s).ToArray()),
                },
                ["scope"] = "Namespaced",
                ["versions"] = new JsonArray(new JsonObject
                {
                    ["name"] = entity.ApiVersion,
                    ["served"] = true,
                    ["storage"] = true,
                    ["subresources"] = new JsonObject { ["status"] = new JsonObject() },
                    ["additionalPrinterColumns"] = columns,
                    ["schema"] = new JsonObject { ["openAPIV3Schema"] = schema },
                }),
            },
        };
    }

    private static JsonObject PrinterColumn(PrinterColumnAttribute column)
    {
        var json = new JsonObject
        {
            ["name"] = column.Name,
            ["type"] = column.Type,
            ["jsonPath"] = column.JsonPath,
        };
        if (column.Description is not null) json["description"] = column.Description;
        if (column.Priority != 0) json["priority"] = column.Priority;
        return json;
    }

    private static KubernetesEntityAttribute Entity(Type type) =>
        type.GetCustomAttribute<KubernetesEntityAttribute>()
        ?? throw new InvalidOperationException($"{type.Name} has no [KubernetesEntity]");
}
