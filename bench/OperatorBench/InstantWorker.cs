using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Nexus.Bench.Operator;

/// <summary>
/// A worker instance that completes every job at once (or, given a run time, runs each that long reporting its
/// progress as the elapsed share, a new value at nearly every poll), recording when each arrived.
/// </summary>
public sealed class InstantWorker : IAsyncDisposable
{
    private readonly WebApplication _app;
    public ConcurrentDictionary<string, long> Received { get; } = new();
    public string Url { get; }

    private InstantWorker(WebApplication app, string url)
    {
        _app = app;
        Url = url;
    }

    public static async Task<InstantWorker> StartAsync(TimeSpan runFor = default)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        InstantWorker? self = null;
        app.MapPost("/v1/jobs", async (HttpContext ctx) =>
        {
            var body = await JsonSerializer.DeserializeAsync<JsonElement>(ctx.Request.Body);
            self!.Received.TryAdd(body.GetProperty("id").GetString()!, Stopwatch.GetTimestamp());
            return Results.Accepted();
        });
        app.MapGet("/v1/jobs/{id}", (string id) =>
        {
            if (!self!.Received.TryGetValue(id, out var at)) return Results.NotFound();
            var elapsed = Stopwatch.GetElapsedTime(at);
            return elapsed < runFor
                ? Results.Json(new { id, type = "x", attempt = 1, status = "running", progress = Math.Round(elapsed / runFor, 3) })
                : Results.Json(new { id, type = "x", attempt = 1, status = "completed", progress = 1.0, result = new { ok = true } });
        });
        app.MapDelete("/v1/jobs/{id}", (string id) => Results.NoContent());
        app.MapGet("/readyz", () => Results.Text("ok"));
        app.MapGet("/healthz", () => Results.Text("ok"));
        await app.StartAsync();
        var url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/');
        return self = new InstantWorker(app, url);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
