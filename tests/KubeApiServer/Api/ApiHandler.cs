using Nexus.KubeApiServer.Builtins;
using Nexus.KubeApiServer.Discovery;
using Nexus.KubeApiServer.OpenApi;
using Nexus.KubeApiServer.Table;
using Nexus.KubeApiServer.Watch;

namespace Nexus.KubeApiServer.Api;

/// <summary>Routes every request to discovery, OpenAPI or a resource verb, turning ApiExceptions into Status responses.</summary>
public sealed class ApiHandler(ResourceOperations ops, ResourceRegistry registry, Func<TimeSpan> bookmarkInterval, TimeSpan freshnessWait,
    Auth.ServiceAccountTokens tokens)
{
    ObjectStore Store => ops.Store;

    public async Task HandleAsync(HttpContext ctx, RequestTarget target)
    {
        try
        {
            await DispatchAsync(ctx, target);
        }
        catch (ApiException e) when (!ctx.Response.HasStarted)
        {
            await HttpIo.WriteErrorAsync(ctx, e);
        }
    }

    async Task DispatchAsync(HttpContext ctx, RequestTarget t)
    {
        var snapshot = registry.Current;
        var accept = ctx.Request.Headers.Accept.ToString();
        switch (t.Kind)
        {
            case TargetKind.Version:
                await HttpIo.WriteAsync(ctx, 200, KubeVersion.Document());
                return;
            case TargetKind.Health:
                await HttpIo.WriteBytesAsync(ctx, 200, "ok"u8.ToArray(), "text/plain");
                return;
            case TargetKind.CoreVersions:
                if (DiscoveryDocuments.WantsAggregated(accept))
                    await HttpIo.WriteAsync(ctx, 200, DiscoveryDocuments.Aggregated(snapshot.Types, core: true), DiscoveryDocuments.AggregatedContentType);
                else
                    await HttpIo.WriteAsync(ctx, 200, DiscoveryDocuments.CoreVersions($"{ctx.Request.Host}"));
                return;
            case TargetKind.GroupList:
                if (DiscoveryDocuments.WantsAggregated(accept))
                    await HttpIo.WriteAsync(ctx, 200, DiscoveryDocuments.Aggregated(snapshot.Types, core: false), DiscoveryDocuments.AggregatedContentType);
                else
                    await HttpIo.WriteAsync(ctx, 200, DiscoveryDocuments.GroupList(snapshot.Types));
                return;
            case TargetKind.Group:
                await HttpIo.WriteAsync(ctx, 200, DiscoveryDocuments.Group(snapshot.Types, t.Group) ?? throw ApiException.NoSuchPath());
                return;
            case TargetKind.GroupVersion:
                await HttpIo.WriteAsync(ctx, 200, DiscoveryDocuments.ResourceList(snapshot.Types, t.Group, t.Version) ?? throw ApiException.NoSuchPath());
                return;
            case TargetKind.OpenApiIndex:
                await HttpIo.WriteAsync(ctx, 200, OpenApiDocuments.Index(snapshot));
                return;
            case TargetKind.OpenApiGroupVersion:
                ctx.Response.Headers.CacheControl = "no-cache";
                await HttpIo.WriteAsync(ctx, 200, OpenApiDocuments.GroupVersion(snapshot, t.Group, t.Version) ?? throw ApiException.NoSuchPath());
                return;
            case TargetKind.OpenApiV2:
                if (!OpenApiV2.AcceptsJson(accept))
                    throw new ApiException(406, "NotAcceptable",
                        $"only the following media types are accepted: application/json (not {OpenApiV2.ProtobufMediaType})");
                await HttpIo.WriteAsync(ctx, 200, OpenApiV2.Document(snapshot));
                return;
            case TargetKind.Resource:
                await ResourceAsync(ctx, t, t.Type!);
                return;
            default:
                throw ApiException.NoSuchPath();
        }
    }

    /// <summary>The write's query parameters; <paramref name="optionsKind"/> names them in errors (CreateOptions, ...).</summary>
    static WriteOptions WriteOptionsOf(HttpContext ctx, string optionsKind)
    {
        var validation = HttpIo.Query(ctx, "fieldValidation") ?? "";
        // As the API server validates its CreateOptions/UpdateOptions/PatchOptions: "" is the default (Warn).
        if (validation is not ("" or "Strict" or "Warn" or "Ignore"))
            throw new ApiException(422, "Invalid",
                $"{optionsKind}.meta.k8s.io \"\" is invalid: fieldValidation: Unsupported value: \"{validation}\": supported values: \"\", \"Ignore\", \"Strict\", \"Warn\"");
        if (validation.Length == 0) validation = "Warn";
        return new WriteOptions
        {
            FieldValidation = validation,
            DryRun = ctx.Request.Query.ContainsKey("dryRun"),
            FieldManager = HttpIo.Query(ctx, "fieldManager"),
            UpdateManager = HttpIo.Query(ctx, "fieldManager") is { Length: > 0 } manager ? manager
                : ctx.Request.Headers.UserAgent.ToString().Split('/')[0] is { Length: > 0 } agent ? agent[..Math.Min(agent.Length, 128)] : "unknown",
            Force = HttpIo.QueryFlag(ctx, "force"),
        };
    }

    async Task ResourceAsync(HttpContext ctx, RequestTarget t, ResourceType type)
    {
        var sub = t.Subresource;
        if (type == BuiltinTypes.ServiceAccounts && sub == "token" && t.Verb(ctx.Request) == "create")
        {
            await TokenRequestAsync(ctx, t.Namespace!, t.Name!);
            return;
        }
        if (sub is not null && !(sub == "status" && type.HasStatus) && !(sub == "scale" && type.Scale is not null) &&
            !(sub == "finalize" && type == BuiltinTypes.Namespaces))
            throw ApiException.NoSuchPath();
        if (type.Namespaced && t.Namespace is null && ctx.Request.Method != "GET")
            throw ApiException.NoSuchPath();
        var verb = t.Verb(ctx.Request);
        var ns = t.Namespace;
        var name = t.Name;
        switch (verb)
        {
            case "list":
                await ListEndpoint.HandleAsync(ctx, Store, type, ns, freshnessWait);
                return;
            case "watch":
                await WatchEndpoint.HandleAsync(ctx, Store, type, ns, name, bookmarkInterval(), freshnessWait);
                return;
            case "get":
            {
                StoredObject? o;
                lock (Store.Gate) o = Store.Get(type, type.Namespaced ? ns! : "", name!);
                if (o is null) throw ApiException.NotFound(type, name!);
                if (sub == "scale") await HttpIo.WriteAsync(ctx, 200, ResourceOperations.ScaleOf(o));
                else await WriteObjectAsync(ctx, 200, o);
                return;
            }
            case "create":
            {
                var write = WriteOptionsOf(ctx, "CreateOptions");
                var result = ops.Create(type, ns, await HttpIo.ReadObjectAsync(ctx, write.DuplicateFields), write);
                HttpIo.AddWarnings(ctx, write.Warnings);
                await WriteObjectAsync(ctx, 201, result.Object);
                return;
            }
            case "update":
            {
                var write = WriteOptionsOf(ctx, "UpdateOptions");
                var body = await HttpIo.ReadObjectAsync(ctx, write.DuplicateFields);
                var result = sub == "scale"
                    ? ops.UpdateScale(type, ns, name!, _ => body, write)
                    : ops.Update(type, ns, name!, body, sub == "finalize" ? null : sub, write);
                HttpIo.AddWarnings(ctx, write.Warnings);
                await WriteResultAsync(ctx, result, sub);
                return;
            }
            case "patch":
            {
                var write = WriteOptionsOf(ctx, "PatchOptions");
                var body = await HttpIo.ReadBodyAsync(ctx);
                var contentType = ctx.Request.ContentType ?? "";
                var result = sub == "scale"
                    ? ops.UpdateScale(type, ns, name!, scale => ResourceOperations.PatchScale(scale, contentType, body), write)
                    : ops.Patch(type, ns, name!, contentType, body, sub, write);
                HttpIo.AddWarnings(ctx, write.Warnings);
                await WriteResultAsync(ctx, result, sub);
                return;
            }
            case "delete":
            {
                var bytes = await HttpIo.ReadBodyAsync(ctx);
                var body = bytes.Length > 0 ? Json.ParseObject(bytes) : null;
                var result = ops.Delete(type, ns, name!, DeleteOptions.From(body, ctx.Request.Query));
                if (result.Deleted) await HttpIo.WriteAsync(ctx, 200, SuccessStatus(result.Object));
                else await WriteObjectAsync(ctx, 200, result.Object);
                return;
            }
            case "deletecollection":
                await DeleteCollectionAsync(ctx, type, ns);
                return;
            default:
                throw ApiException.MethodNotSupported(type, verb);
        }
    }

    /// <summary>
    /// TokenRequest (<c>kubectl create token SA</c>): a token for an existing ServiceAccount. The stand-in's tokens do
    /// not expire; the answer states the requested lifetime (default 1 h) as a real server would.
    /// </summary>
    async Task TokenRequestAsync(HttpContext ctx, string ns, string name)
    {
        lock (Store.Gate)
            if (Store.Get(BuiltinTypes.ServiceAccounts, ns, name) is null) throw ApiException.NotFound(BuiltinTypes.ServiceAccounts, name);
        var bytes = await HttpIo.ReadBodyAsync(ctx);
        // kubectl create token sends the TokenRequest as protobuf, which the stand-in does not decode: its only
        // field of interest is the lifetime, which then takes the default.
        var protobuf = (ctx.Request.ContentType ?? "").Contains("protobuf", StringComparison.Ordinal);
        var body = bytes.Length > 0 && !protobuf ? Json.ParseObject(bytes) : new JsonObject();
        var seconds = Json.Long(body["spec"]?["expirationSeconds"]) ?? 3600;
        var spec = body["spec"] is JsonObject given ? (JsonObject)given.DeepClone() : new JsonObject();
        spec["expirationSeconds"] = seconds;
        await HttpIo.WriteAsync(ctx, 201, new JsonObject
        {
            ["kind"] = "TokenRequest",
            ["apiVersion"] = "authentication.k8s.io/v1",
            ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns, ["creationTimestamp"] = null },
            ["spec"] = spec,
            ["status"] = new JsonObject
            {
                ["token"] = tokens.Issue(ns, name),
                ["expirationTimestamp"] = Json.Format(DateTime.UtcNow.AddSeconds(seconds)),
            },
        });
    }

    async Task WriteResultAsync(HttpContext ctx, WriteResult result, string? sub)
    {
        if (sub == "scale") await HttpIo.WriteAsync(ctx, 200, ResourceOperations.ScaleOf(result.Object));
        else await WriteObjectAsync(ctx, result.Created ? 201 : 200, result.Object);
    }

    static Task WriteObjectAsync(HttpContext ctx, int status, StoredObject o)
    {
        if (TableBuilder.Wants(ctx.Request.Headers.Accept))
            return HttpIo.WriteAsync(ctx, status,
                TableBuilder.Table(o.Type, [o], o.ResourceVersion.ToString(), null, null, HttpIo.Query(ctx, "includeObject")),
                "application/json;as=Table;v=v1;g=meta.k8s.io");
        return HttpIo.WriteBytesAsync(ctx, status, o.Bytes);
    }

    static JsonObject SuccessStatus(StoredObject o) => new()
    {
        ["kind"] = "Status",
        ["apiVersion"] = "v1",
        ["metadata"] = new JsonObject(),
        ["status"] = "Success",
        ["details"] = new JsonObject { ["name"] = o.Name, ["group"] = o.Type.Group, ["kind"] = o.Type.Plural, ["uid"] = o.Uid },
    };

    async Task DeleteCollectionAsync(HttpContext ctx, ResourceType type, string? ns)
    {
        var labels = Selectors.LabelSelector.Parse(HttpIo.Query(ctx, "labelSelector"));
        var fields = Selectors.FieldSelector.Parse(HttpIo.Query(ctx, "fieldSelector"), type);
        var bytes = await HttpIo.ReadBodyAsync(ctx);
        var options = DeleteOptions.From(bytes.Length > 0 ? Json.ParseObject(bytes) : null, ctx.Request.Query);
        var deleted = new JsonArray();
        long rv;
        lock (Store.Gate)
        {
            foreach (var o in Store.List(type, type.Namespaced ? ns : null).ToList())
            {
                if ((labels is not null && !labels.Matches(o)) || (fields is not null && !fields.Matches(o))) continue;
                if (!options.DryRun) deleted.Add(ops.DeleteLocked(o, options.PropagationPolicy ?? "Background").Object.Node.DeepClone());
                else deleted.Add(o.Node.DeepClone());
            }
            rv = Store.CurrentResourceVersion;
        }
        await HttpIo.WriteAsync(ctx, 200, new JsonObject
        {
            ["kind"] = type.ListKind, ["apiVersion"] = type.ApiVersion,
            ["metadata"] = new JsonObject { ["resourceVersion"] = rv.ToString() }, ["items"] = deleted,
        });
    }
}
