using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.Options;
using Nexus.Gateway.Api;
using Nexus.Gateway.Outcomes;

namespace Nexus.Gateway.Dashboard;

/// <summary>
/// Serves the web dashboard (the static files <c>make build</c> writes to dashboard/dist) under <c>/ui</c>, with a
/// strict Content-Security-Policy: scripts, styles and API calls only from this origin, no inline script or eval.
/// The folder is the <c>DashboardDir</c> setting (<c>NEXUS_GATEWAY_DASHBOARD_DIR</c>), else the first <c>dashboard/dist</c> (or <c>dashboard</c>, as an
/// image lays it out) found beside the gateway's binaries or in a folder above them.
/// </summary>
public static class DashboardHosting
{
    private const string DirVariable = "NEXUS_GATEWAY_DASHBOARD_DIR";

    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
        + "font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    private static readonly FileExtensionContentTypeProvider ContentTypes = new();

    public static IEndpointRouteBuilder MapDashboard(this IEndpointRouteBuilder app)
    {
        var root = ResolveRoot(app.ServiceProvider.GetRequiredService<IOptions<GatewayOptions>>().Value.DashboardDir);
        app.MapGet("/ui", (HttpContext context) => Serve(context, root, "")).ExcludeFromDescription();
        app.MapGet("/ui/{**path}", (HttpContext context, string? path) => Serve(context, root, path ?? "")).ExcludeFromDescription();
        return app;
    }

    /// <summary>The dashboard folder, or null when none was built; an explicit setting is taken as it is.</summary>
    internal static string? ResolveRoot(string? configured)
    {
        if (!string.IsNullOrWhiteSpace(configured)) return Path.GetFullPath(configured.Trim());
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            foreach (var candidate in new[] { Path.Combine(dir.FullName, "dashboard", "dist"), Path.Combine(dir.FullName, "dashboard") })
                if (File.Exists(Path.Combine(candidate, "index.html"))) return candidate;
        }
        return null;
    }

    private static IResult Serve(HttpContext context, string? root, string path)
    {
        var headers = context.Response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
        if (root is null || !File.Exists(Path.Combine(root, "index.html")))
            return ApiError.Of(ErrorCodes.DashboardNotBuilt,
                $"The dashboard is not built: run `make build`, or point {DirVariable} at a folder holding its index.html");

        var relative = path.Length == 0 ? "index.html" : path;
        var full = Path.GetFullPath(Path.Combine(root, relative));
        var inside = full.StartsWith(Path.TrimEndingDirectorySeparator(root) + Path.DirectorySeparatorChar, StringComparison.Ordinal);
        if (!inside || !File.Exists(full))
            return ApiError.Of(ErrorCodes.NotFound, $"No dashboard file '{path}'");

        if (!ContentTypes.TryGetContentType(full, out var contentType)) contentType = "application/octet-stream";
        // Vite names assets by content hash, so they never change; index.html must be re-read to pick up a new build.
        headers.CacheControl = relative.StartsWith("assets/", StringComparison.Ordinal) ? "public, max-age=31536000, immutable" : "no-cache";
        return Results.File(full, contentType);
    }
}
