using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Nexus.Tests.Support;

/// <summary>
/// An HTTP relay in front of API servers, switchable from one to another while clients keep their connections to
/// the relay: what a client sees behind a load balancer when one API server is replaced by another (restored from a
/// backup, restarted empty, lagging): the connection is never lost, only the server's state changes. Streams
/// (watches) are forwarded chunk by chunk.
/// </summary>
public sealed class SwitchingRelay : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly HttpClient _client = new(new SocketsHttpHandler { AllowAutoRedirect = false }) { Timeout = Timeout.InfiniteTimeSpan };
    private volatile string _upstream;

    private SwitchingRelay(WebApplication app, string upstream)
    {
        _app = app;
        _upstream = upstream.TrimEnd('/');
        Url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
    }

    public string Url { get; }

    /// <summary>Where new requests go from now on (requests in flight stay with the old server).</summary>
    public string Upstream
    {
        get => _upstream;
        set => _upstream = value.TrimEnd('/');
    }

    public static async Task<SwitchingRelay> StartAsync(string upstream)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        SwitchingRelay? relay = null;
        app.Run(ctx => relay!.ForwardAsync(ctx));
        await app.StartAsync();
        relay = new SwitchingRelay(app, upstream);
        return relay;
    }

    private async Task ForwardAsync(HttpContext ctx)
    {
        using var request = new HttpRequestMessage(new HttpMethod(ctx.Request.Method), _upstream + ctx.Request.Path + ctx.Request.QueryString);
        if (ctx.Request.ContentLength > 0 || ctx.Request.Headers.TransferEncoding.Count > 0)
        {
            request.Content = new StreamContent(ctx.Request.Body);
            if (ctx.Request.ContentType is { } type) request.Content.Headers.TryAddWithoutValidation("Content-Type", type);
        }
        foreach (var name in new[] { "Authorization", "Accept", "User-Agent" })
            if (ctx.Request.Headers.TryGetValue(name, out var value)) request.Headers.TryAddWithoutValidation(name, value.ToString());
        using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ctx.RequestAborted);
        ctx.Response.StatusCode = (int)response.StatusCode;
        if (response.Content.Headers.ContentType is { } contentType) ctx.Response.ContentType = contentType.ToString();
        await using var body = await response.Content.ReadAsStreamAsync(ctx.RequestAborted);
        var buffer = new byte[16 * 1024];
        try
        {
            int n;
            while ((n = await body.ReadAsync(buffer, ctx.RequestAborted)) > 0)
            {
                await ctx.Response.Body.WriteAsync(buffer.AsMemory(0, n), ctx.RequestAborted);
                await ctx.Response.Body.FlushAsync(ctx.RequestAborted);
            }
        }
        catch (IOException)
        {
            ctx.Abort(); // the upstream stream was cut: so is ours
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _client.Dispose();
    }
}
