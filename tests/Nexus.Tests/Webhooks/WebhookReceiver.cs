using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Nexus.Tests.Webhooks;

/// <summary>One request a receiver got: the Standard Webhooks headers and the body as sent.</summary>
public sealed record ReceivedWebhook(string Id, string Timestamp, string Signature, string Body, int Answer);

/// <summary>
/// A real HTTP receiver on 127.0.0.1 whose answers a test programs: <c>answer(id, nth)</c> gets the webhook-id and
/// how many times that id has arrived (1 for the first) and returns the status, or hangs until the sender gives up.
/// It records every request and the most requests for one id it ever had in progress at once.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    /// <summary>Returned by an answer function: do not answer; hold the request until the client goes away.</summary>
    public const int Hang = -1;

    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, int> _arrivals = new();
    private readonly ConcurrentDictionary<string, int> _active = new();
    private int _maxActiveForOneId;
    private int _activeTotal;
    private int _maxActive;

    private WebhookReceiver(WebApplication app, int port)
    {
        _app = app;
        Port = port;
    }

    public int Port { get; }
    public string Url => $"http://127.0.0.1:{Port}/hook";
    public ConcurrentQueue<ReceivedWebhook> Received { get; } = new();
    public int MaxActiveForOneId => Volatile.Read(ref _maxActiveForOneId);

    /// <summary>The most requests this receiver ever had in progress at once.</summary>
    public int MaxActive => Volatile.Read(ref _maxActive);

    public IEnumerable<ReceivedWebhook> Of(string id) => Received.Where(r => r.Id == id);

    public static async Task<WebhookReceiver> StartAsync(Func<string, int, int> answer, int port = 0, TimeSpan? delay = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        var app = builder.Build();
        WebhookReceiver? self = null;
        app.MapPost("/hook", async (HttpContext http) =>
        {
            var id = http.Request.Headers["webhook-id"].ToString();
            using var reader = new StreamReader(http.Request.Body, Encoding.UTF8);
            var body = await reader.ReadToEndAsync();
            var nth = self!._arrivals.AddOrUpdate(id, 1, (_, n) => n + 1);
            var active = self._active.AddOrUpdate(id, 1, (_, n) => n + 1);
            InterlockedMax(ref self._maxActiveForOneId, active);
            InterlockedMax(ref self._maxActive, Interlocked.Increment(ref self._activeTotal));
            try
            {
                var status = answer(id, nth);
                self.Received.Enqueue(new ReceivedWebhook(id, http.Request.Headers["webhook-timestamp"].ToString(),
                    http.Request.Headers["webhook-signature"].ToString(), body, status));
                if (delay is { } d) await Task.Delay(d);
                if (status == Hang)
                {
                    try { await Task.Delay(Timeout.Infinite, http.RequestAborted); } catch (OperationCanceledException) { }
                    return;
                }
                http.Response.StatusCode = status;
            }
            finally
            {
                self._active.AddOrUpdate(id, 0, (_, n) => n - 1);
                Interlocked.Decrement(ref self._activeTotal);
            }
        });
        await app.StartAsync();
        var address = new Uri(app.Urls.First());
        self = new WebhookReceiver(app, address.Port);
        return self;
    }

    /// <summary>A port on 127.0.0.1 nothing listens on (a receiver that is down), for a receiver started there later.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>True when the signature header holds a v1 signature of id.timestamp.body under the secret (computed here, independently of the sender).</summary>
    public static bool Verify(ReceivedWebhook received, string secret)
    {
        var key = Convert.FromBase64String(secret["whsec_".Length..]);
        var expected = Convert.ToBase64String(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes($"{received.Id}.{received.Timestamp}.{received.Body}")));
        return received.Signature.Split(' ').Any(s => s == "v1," + expected);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int seen;
        while ((seen = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen) { }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
