using Nexus.KubeApiServer.Cel;

namespace Nexus.KubeApiServer.Schema;

/// <summary>
/// The custom-resource write pipeline of the real server: prune (honouring fieldValidation: Strict refuses an unknown
/// field with 400 BadRequest, Warn drops it with a warning, Ignore drops it silently), default, validate the
/// schema, then the CEL rules (x-kubernetes-validations) unless a type error makes them unsafe to run, as the
/// apiextensions-apiserver skips them then. A status write reports only what is under status (its spec is the stored one).
/// </summary>
public static class CustomResourceAdmission
{
    public static void Admit(ResourceType type, JsonObject obj, JsonObject? old, WriteOptions write, string name, bool statusOnly)
    {
        if (type.Schema is not { } schema) return;
        var unknown = SchemaPruner.Prune(obj, schema);
        if (unknown.Count > 0 || write.DuplicateFields.Count > 0)
        {
            // The decoder's own errors (repeated keys) come first, then the fields the schema does not declare.
            var texts = write.DuplicateFields.Select(d => $"duplicate field \"{d}\"")
                .Concat(unknown.Select(u => $"unknown field \"{u}\"")).ToList();
            if (write.FieldValidation == "Strict")
            {
                var error = "strict decoding error: " + string.Join(", ", texts);
                // A create or update decodes the body as the kind and says so (handlers' transformDecodeError); a patch
                // reports the decoding of its result bare (handlers/patch.go).
                throw ApiException.BadRequest(write.Patched ? error
                    : $"{type.Kind} in version \"{type.Version}\" cannot be handled as a {type.Kind}: {error}");
            }
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
