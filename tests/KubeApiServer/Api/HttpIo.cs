namespace Nexus.KubeApiServer.Api;

/// <summary>Reading request bodies and writing JSON responses.</summary>
public static class HttpIo
{
    public static async Task<byte[]> ReadBodyAsync(HttpContext ctx)
    {
        using var ms = new MemoryStream();
        await ctx.Request.Body.CopyToAsync(ms, ctx.RequestAborted);
        return ms.ToArray();
    }

    /// <summary>A request body as an object; YAML is accepted as well as JSON.</summary>
    public static async Task<JsonObject> ReadObjectAsync(HttpContext ctx)
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
        return Json.ParseObject(bytes);
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
        if (e.Code == 429) ctx.Response.Headers.RetryAfter = "1";
        return WriteAsync(ctx, e.Code, e.ToStatus());
    }

    public static void AddWarnings(HttpContext ctx, IEnumerable<string> warnings)
    {
        foreach (var w in warnings)
            ctx.Response.Headers.Append("Warning", $"299 - \"{w.Replace("\\", "\\\\").Replace("\"", "\\\"")}\"");
    }

    public static string? Query(HttpContext ctx, string name) =>
        ctx.Request.Query.TryGetValue(name, out var v) && v.Count > 0 ? v[^1] : null;

    public static bool QueryFlag(HttpContext ctx, string name) => Query(ctx, name) is "true" or "1";
}
