using Nexus.KubeApiServer.Builtins;
using Nexus.KubeApiServer.Patching;
using Nexus.KubeApiServer.Schema;
using Nexus.KubeApiServer.Yaml;

namespace Nexus.KubeApiServer.Api;

/// <summary>The outcome of a write: the object now stored (or last state), and whether it was created or removed.</summary>
public sealed record WriteResult(StoredObject Object, bool Created = false, bool Deleted = false);

/// <summary>
/// Create, update, patch and delete with the real API server's semantics (generateName, AlreadyExists, optimistic
/// concurrency, status subresource, generation, finalizers, propagation policies). All state changes happen under
/// the store's gate so concurrent writers get exactly one winner.
/// </summary>
public sealed partial class ResourceOperations(ObjectStore store, ResourceRegistry registry)
{
    public ObjectStore Store => store;

    static string Ns(ResourceType type, string? ns) => type.Namespaced ? ns ?? "" : "";

    public WriteResult Create(ResourceType type, string? ns, JsonObject body, WriteOptions write)
    {
        ObjectRules.Prepare(type, ns, body);
        var meta = Json.Metadata(body);
        var name = Json.Str(meta, "name");
        var generateName = Json.Str(meta, "generateName");
        if (string.IsNullOrEmpty(name))
        {
            if (string.IsNullOrEmpty(generateName))
                throw ApiException.Invalid(type, "", "FieldValueRequired", "metadata.name", "Required value: name or generateName is required");
            name = ObjectRules.GenerateName(generateName);
        }
        ObjectRules.ValidateName(type, name);
        meta["name"] = name;
        ObjectRules.StripServerManaged(meta);
        if (type.HasStatus) body.Remove("status");
        BuiltinRules.OnCreate(type, body);
        CustomResourceAdmission.Admit(type, body, null, write, name, statusOnly: false);
        List<ResourceType>? served = null;
        if (type == BuiltinTypes.Crds) served = ReadCrd(body, name);

        lock (store.Gate)
        {
            if (type.Namespaced) RequireNamespace(type, Ns(type, ns), name);
            for (var attempt = 0; store.Get(type, Ns(type, ns), name) is not null; attempt++)
            {
                if (string.IsNullOrEmpty(generateName) || attempt > 8) throw ApiException.AlreadyExists(type, name);
                name = ObjectRules.GenerateName(generateName);
                meta["name"] = name;
            }
            meta["uid"] = Guid.NewGuid().ToString();
            meta["creationTimestamp"] = Json.Now();
            if (type.Generation != GenerationPolicy.None) meta["generation"] = 1;
            if (write.DryRun) return new WriteResult(new StoredObject(type, body, store.CurrentResourceVersion), Created: true);
            var stored = store.Put(type, body, null);
            if (served is not null) registry.Add(served);
            return new WriteResult(stored, Created: true);
        }
    }

    void RequireNamespace(ResourceType type, string ns, string name)
    {
        var space = store.Get(BuiltinTypes.Namespaces, "", ns) ?? throw ApiException.NamespaceNotFound(ns);
        if (space.IsTerminating)
            throw ApiException.Forbidden(type, name, $"unable to create new content in namespace {ns} because it is being terminated");
    }

    List<ResourceType> ReadCrd(JsonObject crd, string name)
    {
        var served = CrdReader.Read(crd, out var problems);
        if (problems.Count > 0) throw ApiException.Invalid(BuiltinTypes.Crds, name, problems);
        crd["status"] = CrdReader.EstablishedStatus(crd);
        return served;
    }

    /// <summary>PUT of the main resource or its status subresource.</summary>
    public WriteResult Update(ResourceType type, string? ns, string name, JsonObject body, string? subresource, WriteOptions write)
    {
        ObjectRules.Prepare(type, ns, body);
        var meta = Json.Metadata(body);
        var bodyName = Json.Str(meta, "name");
        if (!string.IsNullOrEmpty(bodyName) && bodyName != name)
            throw ApiException.BadRequest($"the name of the object ({bodyName}) does not match the name on the URL ({name})");
        meta["name"] = name;
        lock (store.Gate)
        {
            var old = store.Get(type, Ns(type, ns), name);
            if (old is null)
            {
                if (type.PutCreates && subresource is null) return Create(type, ns, body, write);
                throw ApiException.NotFound(type, name);
            }
            CheckResourceVersion(type, old, Json.Str(meta, "resourceVersion"), required: type.RequireResourceVersionOnUpdate);
            var next = MergeForWrite(type, old, body, subresource);
            ManagedFields.RecordUpdate(old.Node, next, write.UpdateManager, type.ApiVersion, subresource);
            return Commit(type, old, next, subresource, write);
        }
    }

    static void CheckResourceVersion(ResourceType type, StoredObject old, string? rv, bool required)
    {
        if (string.IsNullOrEmpty(rv))
        {
            if (required)
                throw ApiException.Invalid(type, old.Name, "FieldValueInvalid", "metadata.resourceVersion",
                    "Invalid value: 0x0: must be specified for an update");
            return;
        }
        if (rv != old.ResourceVersion.ToString()) throw ApiException.Conflict(type, old.Name);
    }

    /// <summary>Main-resource writes keep the stored status; status writes keep everything but status.</summary>
    static JsonObject MergeForWrite(ResourceType type, StoredObject old, JsonObject body, string? subresource)
    {
        JsonObject result;
        if (subresource == "status")
        {
            result = old.Clone();
            var status = body["status"];
            if (status is null) result.Remove("status"); else result["status"] = status.DeepClone();
            return result;
        }
        result = body;
        if (type.HasStatus)
        {
            if (old.Node["status"] is { } status) result["status"] = status.DeepClone(); else result.Remove("status");
        }
        ObjectRules.KeepServerManaged(result, old);
        return result;
    }

    /// <summary>Validates, bumps generation, applies finalizer completion and persists a new version of an existing object.</summary>
    WriteResult Commit(ResourceType type, StoredObject old, JsonObject next, string? subresource, WriteOptions write)
    {
        BuiltinRules.OnWrite(type, next);
        CustomResourceAdmission.Admit(type, next, old.Node, write, old.Name, statusOnly: subresource == "status");
        List<ResourceType>? served = null;
        if (type == BuiltinTypes.Crds && subresource is null) served = ReadCrd(next, old.Name);
        if (old.IsTerminating)
        {
            var added = FinalizersOf(next).Except(old.Finalizers).ToList();
            if (added.Count > 0)
                throw ApiException.Invalid(type, old.Name, "FieldValueForbidden", "metadata.finalizers",
                    "Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers " +
                    "[]string{" + string.Join(", ", added.Select(a => $"\"{a}\"")) + "}");
        }
        var generation = ObjectRules.Generation(old);
        if (type.Generation != GenerationPolicy.None)
        {
            Json.Metadata(next)["generation"] = generation;
            if (ObjectRules.GenerationChanges(type, old.Node, next)) ObjectRules.BumpGeneration(type, next, generation);
        }
        if (ObjectRules.IsNoOp(old, next)) return new WriteResult(old);
        if (write.DryRun) return new WriteResult(new StoredObject(type, next, old.ResourceVersion));
        if (old.IsTerminating && FinalizersOf(next).Count == 0)
            return new WriteResult(store.Remove(old, next), Deleted: true);
        var stored = store.Put(type, next, old);
        if (served is not null) registry.Add(served);
        return new WriteResult(stored);
    }

    static List<string> FinalizersOf(JsonObject obj) =>
        obj["metadata"]?["finalizers"] is JsonArray a ? a.Select(f => Json.ScalarText(f) ?? "").ToList() : [];

    public const string MergePatchType = "application/merge-patch+json";
    public const string JsonPatchType = "application/json-patch+json";
    public const string StrategicPatchType = "application/strategic-merge-patch+json";
    public const string ApplyPatchType = "application/apply-patch+yaml";

    public WriteResult Patch(ResourceType type, string? ns, string name, string contentType, byte[] body, string? subresource, WriteOptions write)
    {
        var mediaType = contentType.Split(';')[0].Trim().ToLowerInvariant();
        if (mediaType == ApplyPatchType) return Apply(type, ns, name, body, subresource, write);
        write.Patched = true;
        var accepted = type.IsCustom
            ? $"{JsonPatchType}, {MergePatchType}, {ApplyPatchType}"
            : $"{JsonPatchType}, {MergePatchType}, {StrategicPatchType}, {ApplyPatchType}";
        if (mediaType is not (MergePatchType or JsonPatchType or StrategicPatchType) || (mediaType == StrategicPatchType && type.IsCustom))
            throw ApiException.UnsupportedMediaType(contentType, accepted);
        JsonNode? patch;
        try { patch = JsonNode.Parse(body); }
        catch (JsonException e) { throw ApiException.BadRequest($"error decoding patch: {e.Message}"); }

        lock (store.Gate)
        {
            var old = store.Get(type, Ns(type, ns), name) ?? throw ApiException.NotFound(type, name);
            var patched = mediaType switch
            {
                JsonPatchType => JsonPatch.Apply(old.Clone(), patch),
                StrategicPatchType => StrategicMergePatch.Apply(old.Clone(), patch),
                _ => MergePatch.Apply(old.Clone(), patch as JsonObject ?? throw ApiException.BadRequest("a merge patch must be a JSON object")),
            } as JsonObject ?? throw ApiException.BadRequest("the patched object is not a JSON object");
            CheckResourceVersion(type, old, Json.Str(patched["metadata"], "resourceVersion"), required: false);
            ObjectRules.Prepare(type, ns, patched);
            Json.Metadata(patched)["name"] = name;
            var next = MergeForWrite(type, old, patched, subresource);
            ManagedFields.RecordUpdate(old.Node, next, write.UpdateManager, type.ApiVersion, subresource);
            return Commit(type, old, next, subresource, write);
        }
    }

    /// <summary>
    /// Server-side apply: creates when absent; otherwise sets the applied fields, removes the fields this manager
    /// applied before and no longer does (unless someone else owns them), and refuses with 409 FieldManagerConflict
    /// to change a field another manager owns, unless force=true moves it over. Ownership lives in managedFields
    /// (lists are owned whole; see <see cref="ManagedFields"/>).
    /// </summary>
    WriteResult Apply(ResourceType type, string? ns, string name, byte[] body, string? subresource, WriteOptions write)
    {
        if (string.IsNullOrEmpty(write.FieldManager))
            throw ApiException.Invalid(type, name, "FieldValueRequired", "fieldManager", "Required value: is required for apply patch");
        var manager = write.FieldManager;
        var docs = YamlToJson.Documents(System.Text.Encoding.UTF8.GetString(body));
        if (docs.Count != 1) throw ApiException.BadRequest("an apply patch must hold exactly one object");
        var applied = docs[0];
        ObjectRules.Prepare(type, ns, applied);
        var statusOnly = subresource == "status";
        var appliedFields = ManagedFields.Leaves(applied, statusOnly);
        lock (store.Gate)
        {
            var old = store.Get(type, Ns(type, ns), name);
            if (old is null)
            {
                if (subresource is not null) throw ApiException.NotFound(type, name);
                Json.Metadata(applied)["name"] = name;
                ManagedFields.Write(applied, [new ManagedFields.Entry(manager, "Apply", type.ApiVersion, null, appliedFields)]);
                return Create(type, ns, applied, write);
            }
            CheckResourceVersion(type, old, Json.Str(applied["metadata"], "resourceVersion"), required: false);
            var entries = ManagedFields.Read(old.Node);
            var mine = entries.FirstOrDefault(e => e.Manager == manager && e.Operation == "Apply" && e.Subresource == subresource);
            var changing = appliedFields.Where(f => !ManagedFields.Has(old.Node, f) || !Json.Equal(ManagedFields.Get(old.Node, f), ManagedFields.Get(applied, f))).ToHashSet();
            var conflicts = entries.Where(e => e != mine && e.Subresource == subresource)
                .SelectMany(e => e.Fields.Where(changing.Contains).Select(f =>
                    (Manager: e.Operation == "Apply" ? $"\"{e.Manager}\"" : $"\"{e.Manager}\" using {e.ApiVersion}", Field: f.Text)))
                .OrderBy(c => c.Field, StringComparer.Ordinal).ToList();
            if (conflicts.Count > 0 && !write.Force) throw ApiException.ApplyConflict(conflicts);

            var merged = old.Clone();
            foreach (var f in appliedFields) Set(merged, f, ManagedFields.Get(applied, f));
            if (mine is not null)
                foreach (var dropped in mine.Fields.Except(appliedFields))
                    if (!entries.Any(e => e != mine && e.Fields.Contains(dropped))) ManagedFields.Remove(merged, dropped);
            foreach (var e in entries.Where(e => e != mine)) e.Fields.ExceptWith(changing);
            if (mine is null) entries.Add(new ManagedFields.Entry(manager, "Apply", type.ApiVersion, subresource, appliedFields));
            else { mine.Fields.Clear(); mine.Fields.UnionWith(appliedFields); }
            ManagedFields.Write(merged, entries);
            ObjectRules.Prepare(type, ns, merged);
            Json.Metadata(merged)["resourceVersion"] = old.ResourceVersion.ToString();
            return Commit(type, old, MergeForWrite(type, old, merged, subresource), subresource, write);
        }
    }

    static void Set(JsonObject root, ManagedFields.FieldPath path, JsonNode? value)
    {
        var node = root;
        for (var i = 0; i < path.Segments.Count - 1; i++)
        {
            if (node[path.Segments[i]] is not JsonObject child) node[path.Segments[i]] = child = new JsonObject();
            node = child;
        }
        node[path.Segments[^1]] = value?.DeepClone();
    }

    public WriteResult Delete(ResourceType type, string? ns, string name, DeleteOptions options)
    {
        lock (store.Gate)
        {
            var old = store.Get(type, Ns(type, ns), name) ?? throw ApiException.NotFound(type, name);
            if (options.PreconditionUid is { } uid && uid != old.Uid)
                throw ApiException.ConflictMessage(type, name, $"Precondition failed: UID in precondition: {uid}, UID in object meta: {old.Uid}");
            if (options.PreconditionResourceVersion is { } rv && rv != old.ResourceVersion.ToString())
                throw ApiException.ConflictMessage(type, name,
                    $"Precondition failed: ResourceVersion in precondition: {rv}, ResourceVersion in object meta: {old.ResourceVersion}");
            if (options.DryRun) return new WriteResult(old);
            return DeleteLocked(old, options.PropagationPolicy ?? "Background");
        }
    }

    /// <summary>Deletion with finalizers and propagation; the caller holds the gate.</summary>
    public WriteResult DeleteLocked(StoredObject old, string policy)
    {
        var type = old.Type;
        if (policy == "Orphan")
            foreach (var dependentUid in store.DependentsOf(old.Uid))
                if (store.ByUid(dependentUid) is { } dependent) StripOwner(dependent, old.Uid);

        var finalizers = old.Finalizers.ToList();
        if (policy == "Foreground" && store.DependentsOf(old.Uid).Count > 0 && !finalizers.Contains("foregroundDeletion"))
            finalizers.Add("foregroundDeletion");
        if (type == BuiltinTypes.Namespaces || finalizers.Count > 0)
        {
            if (old.IsTerminating && finalizers.SequenceEqual(old.Finalizers)) return new WriteResult(old);
            var next = old.Clone();
            var meta = Json.Metadata(next);
            if (finalizers.Count > 0) meta["finalizers"] = new JsonArray(finalizers.Select(f => (JsonNode?)f).ToArray());
            if (!old.IsTerminating)
            {
                meta["deletionTimestamp"] = Json.Now();
                meta["deletionGracePeriodSeconds"] = 0;
                ObjectRules.BumpGeneration(type, next, ObjectRules.Generation(old));
            }
            if (type == BuiltinTypes.Namespaces) next["status"] = new JsonObject { ["phase"] = "Terminating" };
            return new WriteResult(store.Put(type, next, old));
        }
        var final = store.Remove(old);
        if (type == BuiltinTypes.Crds) UnregisterCrd(old);
        return new WriteResult(final, Deleted: true);
    }

    void StripOwner(StoredObject dependent, string ownerUid)
    {
        var next = dependent.Clone();
        var meta = Json.Metadata(next);
        var remaining = dependent.OwnerReferences.Where(o => Json.Str(o, "uid") != ownerUid).Select(o => (JsonNode?)o.DeepClone()).ToArray();
        if (remaining.Length == 0) meta.Remove("ownerReferences"); else meta["ownerReferences"] = new JsonArray(remaining);
        store.Put(dependent.Type, next, dependent);
    }

    /// <summary>Removes a finalizer as its controller would (used by the garbage collector for foregroundDeletion).</summary>
    public void RemoveFinalizerLocked(StoredObject obj, string finalizer)
    {
        var next = obj.Clone();
        var remaining = obj.Finalizers.Where(f => f != finalizer).Select(f => (JsonNode?)f).ToArray();
        var meta = Json.Metadata(next);
        if (remaining.Length == 0) meta.Remove("finalizers"); else meta["finalizers"] = new JsonArray(remaining);
        if (obj.IsTerminating && remaining.Length == 0)
        {
            store.Remove(obj, next);
            if (obj.Type == BuiltinTypes.Crds) UnregisterCrd(obj);
        }
        else store.Put(obj.Type, next, obj);
    }

    void UnregisterCrd(StoredObject crd)
    {
        var group = Json.Str(crd.Node["spec"], "group");
        var plural = Json.Str(crd.Node["spec"]?["names"], "plural");
        var served = registry.Current.Types.Where(t => t.IsCustom && t.Group == group && t.Plural == plural).ToList();
        registry.RemoveWhere(t => t.IsCustom && t.Group == group && t.Plural == plural);
        foreach (var t in served.Take(1))
        {
            foreach (var o in store.List(t, null).ToList()) store.Remove(o);
            store.Hub.DropResource(t.StorageKey);
        }
    }

    /// <summary>Deletes the namespace object itself once its content is gone (the namespace controller's job).</summary>
    public void FinishNamespaceLocked(StoredObject ns) => store.Remove(ns);
}
