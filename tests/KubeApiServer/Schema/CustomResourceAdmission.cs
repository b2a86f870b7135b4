using Nexus.KubeApiServer.Cel;

namespace Nexus.KubeApiServer.Schema;

/// <summary>
/// The custom-resource write pipeline of the real server: prune (honouring fieldValidation), default, validate the
/// schema, then the CEL rules (x-kubernetes-validations) unless a type error makes them unsafe to run, as the
/// apiextensions-apiserver skips them then. A status write reports only what is under status (its spec is the stored one).
/// </summary>
public static class CustomResourceAdmission
{
    public static void Admit(ResourceType type, JsonObject obj, JsonObject? old, WriteOptions write, string name, bool statusOnly)
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
        var causes = SchemaValidator.Validate(obj, schema);
        if (causes.Any(c => c.Reason == "FieldValueTypeInvalid"))
            causes.Add(new("FieldValueInvalid", "Invalid value: \"null\": some validation rules were not checked because the object was invalid; correct the existing errors to complete validation", "<nil>"));
        else causes.AddRange(CelRules.Validate(obj, old, schema));
        if (statusOnly)
            causes.RemoveAll(c => c.Field != "status" && !c.Field.StartsWith("status.", StringComparison.Ordinal) &&
                                  !c.Field.StartsWith("status[", StringComparison.Ordinal));
        if (causes.Count > 0) throw ApiException.Invalid(type, name, causes);
    }
}
