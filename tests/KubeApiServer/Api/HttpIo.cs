namespace Nexus.KubeApiServer.Api;

/// <summary>Reading request bodies and writing JSON responses.</summary>
public static class HttpIo
{
    /// <summary>kube-apiserver's limit on a write request's body (MaxRequestBodyBytes): 3 MiB.</summary>
    public const long DefaultMaxRequestBodyBytes = 3 * 1024 * 1024;

    const string MaxBodyKey = "nexus.maxRequestBodyBytes";

    /// <summary>Sets the body limit for this request (the server's configured one).</summary>
    public static void SetMaxRequestBodyBytes(HttpContext ctx, long limit) => ctx.Items[MaxBodyKey] = limit;

    /// <summary>
    /// The request body, refused with 413 RequestEntityTooLarge beyond the limit, as kube-apiserver's
    /// limitedReadBody does (it reads one byte past the limit, whatever Content-Length says).
    /// </summary>
    public static async Task<byte[]> ReadBodyAsync(HttpContext ctx)
    {
        var limit = ctx.Items.TryGetValue(MaxBodyKey, out var l) && l is long n ? n : DefaultMaxRequestBodyBytes;
        if (ctx.Request.ContentLength is { } declared && declared > limit) throw ApiException.RequestEntityTooLarge(limit);
        using var ms = new MemoryStream();
        var buffer = new byte[81920];
        int read;
        while ((read = await ctx.Request.Body.ReadAsync(buffer, ctx.RequestAborted)) > 0)
        {
            if (ms.Length + read > limit) throw ApiException.RequestEntityTooLarge(limit);
            ms.Write(buffer, 0, read);
        }
        return ms.ToArray();
    }

    /// <summary>A request body as an object; YAML is accepted as well as JSON.</summary>
    public static async Task<JsonObject> ReadObjectAsync(HttpContext ctx, List<string>? duplicates = null)
    {
        var bytes = await ReadBodyAsync(ctx);
        var contentType = ctx.Request.ContentType ?? "application/json";
        if (contentType.Contains("protobuf", StringComparison.OrdinalIgnoreCase) || contentType.Contains("cbor", StringComparison.OrdinalIgnoreCase))
            throw ApiException.UnsupportedMediaType(contentType, "application/json, application/yaml");
        if (contentType.Contains("yaml", StringComparison.OrdinalIgnoreCase))
        {
            var docs = Yaml.YamlToJson.Documents(System.Text.Encoding.UTF8.GetString(bytes));
            return docs.Count == 1 ? docs[0] : throw ApiException.BadRequest("the request body must hold exactly one object");
        }
        if (bytes.Length == 0) throw ApiException.BadRequest("the request body is empty");
        return Json.ParseObject(bytes, duplicates);
    }

    public static Task WriteAsync(HttpContext ctx, int status, JsonNode body, string contentType = "application/json") =>
        WriteBytesAsync(ctx, status, Json.Serialize(body), contentType);

    public static async Task WriteBytesAsync(HttpContext ctx, int status, byte[] body, string contentType = "application/json")
    {
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = contentType;
        ctx.Response.ContentLength = body.Length;
        await ctx.Response.Body.WriteAsync(body, ctx.RequestAborted);
    }

    public static Task WriteErrorAsync(HttpContext ctx, ApiException e)
    {
        if (e.Details?["retryAfterSeconds"] is JsonValue retry) ctx.Response.Headers.RetryAfter = retry.ToJsonString();
        else if (e.Code == 429) ctx.Response.Headers.RetryAfter = "1";
        return WriteAsync(ctx, e.Code, e.ToStatus());
    }

    public static void AddWarnings(HttpContext ctx, IEnumerable<string> warnings)
    {
        foreach (var w in warnings)
            ctx.Response.Headers.Append("Warning", $"299 - \"{w.Replace("\\", "\\\\").Replace("\"", "\\\"")}\"");
    }

    public static string? Query(HttpContext ctx, string name) =>
        ctx.Request.Query.TryGetValue(name, out var v) && v.Count > 0 ? v[^1] : null;

    /// <summary>
    /// A boolean query parameter as the API server decodes it (runtime.Convert_Slice_string_To_bool): absent,
    /// "0" or "false" in any case is false; anything else — "true", "True", "1", even an empty value — is true.
    /// </summary>
    public static bool QueryFlag(HttpContext ctx, string name) =>
        ctx.Request.Query.TryGetValue(name, out var v) && v.Count > 0 && ParseFlag(v[0]);

    public static bool ParseFlag(string? value) => !(value == "0" || string.Equals(value, "false", StringComparison.OrdinalIgnoreCase));
}
