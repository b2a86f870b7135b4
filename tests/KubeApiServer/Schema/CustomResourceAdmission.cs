namespace Nexus.KubeApiServer.Schema;

/// <summary>The custom-resource write pipeline of the real server: prune (honouring fieldValidation), default, validate.</summary>
public static class CustomResourceAdmission
{
    public static void Admit(ResourceType type, JsonObject obj, WriteOptions write, string name, bool statusOnly)
    {
        if (type.Schema is not { } schema) return;
        var unknown = SchemaPruner.Prune(obj, schema);
        if (unknown.Count > 0)
        {
            var texts = unknown.Select(u => $"unknown field \"{u}\"").ToList();
            if (write.FieldValidation == "Strict")
                throw ApiException.BadRequest("strict decoding error: " + string.Join(", ", texts));
            if (write.FieldValidation != "Ignore") write.Warnings.AddRange(texts);
        }
        SchemaDefaulter.Apply(obj, schema);
        var causes = SchemaValidator.Validate(obj, schema, statusOnly ? "status" : null);
        if (causes.Count > 0) throw ApiException.Invalid(type, name, causes);
    }
}
