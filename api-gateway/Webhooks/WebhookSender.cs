using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using Nexus.Gateway.Extensions;
using Nexus.Shared.History;

namespace Nexus.Gateway.Webhooks;

/// <summary>The sender's limits, from the gateway settings.</summary>
public sealed record WebhookSenderOptions(
    TimeSpan Timeout, int Concurrency, int ConcurrencyPerHost, TimeSpan Poll, TimeSpan RetryBase, TimeSpan RetryMax, TimeSpan RetryFor)
{
    public static WebhookSenderOptions From(GatewayOptions o) => new(
        TimeSpan.FromSeconds(o.WebhookTimeoutSeconds), o.WebhookConcurrency, o.WebhookConcurrencyPerHost,
        TimeSpan.FromMilliseconds(o.WebhookPollMilliseconds), TimeSpan.FromMilliseconds(o.WebhookRetryBaseMilliseconds),
        TimeSpan.FromSeconds(o.WebhookRetryMaxSeconds), TimeSpan.FromHours(o.WebhookRetryHours));

    /// <summary>How long a claim keeps other senders off a delivery: well past one attempt's timeout.</summary>
    public TimeSpan Lease => Timeout * 2 + TimeSpan.FromSeconds(5);
}

/// <summary>
/// Sends the outbox's due deliveries: claims them (any number of gateway replicas run this; the claim's SKIP LOCKED
/// and lease keep them off each other's), signs each per Standard Webhooks, POSTs it with a bounded timeout and no
/// redirects, and records the attempt: 2xx delivered; 410 disables the subscription; anything else — other answers,
/// refused connections, timeouts — is retried with exponential backoff and jitter until the event is older than the
/// retry window. Nothing lives only in memory: a restarted gateway picks up where the outbox says.
/// </summary>
public sealed class WebhookSender : BackgroundService
{
    private const int MaxErrorText = 300;

    /// <summary>Finished deliveries (and their attempts) older than this are pruned, an hour apart, by whichever replica gets there.</summary>
    public static readonly TimeSpan DeliveryRetention = TimeSpan.FromDays(30);

    private DateTimeOffset _nextPrune = DateTimeOffset.MinValue;

    private readonly HistoryDatabase _history;
    private readonly History.HistoryReadiness _startup;
    private readonly WebhookPayloads _payloads;
    private readonly WebhookSenderOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<WebhookSender> _logger;
    private readonly HttpClient _http;
    private readonly Dictionary<string, int> _perHost = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, Task> _inFlight = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    public WebhookSender(HistoryDatabase history, History.HistoryReadiness startup, WebhookPayloads payloads, WebhookUrlPolicy policy,
        WebhookSenderOptions options, TimeProvider time, ILogger<WebhookSender> logger)
    {
        _history = history;
        _startup = startup;
        _payloads = payloads;
        _options = options;
        _time = time;
        _logger = logger;
        _http = new HttpClient(new SocketsHttpHandler
        {
            AllowAutoRedirect = false, // a redirect could lead anywhere, past every address check
            UseProxy = false,
            UseCookies = false,
            ConnectCallback = policy.ConnectAsync,
            ConnectTimeout = options.Timeout,
            MaxResponseHeadersLength = 16, // KiB
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
            MaxConnectionsPerServer = options.ConcurrencyPerHost,
        })
        {
            Timeout = Timeout.InfiniteTimeSpan, // each attempt has its own deadline
        };
        _http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("Nexus-Webhooks", "1"));
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        WebhookMetrics.PublishKnownSeries();
        try
        {
            await _startup.WaitAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return;
        }
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var full = await ClaimAndStartAsync(stoppingToken).ConfigureAwait(false);
                await PruneIfDueAsync(stoppingToken).ConfigureAwait(false);
                failures = 0;
                Task[] running;
                lock (_gate) running = [.. _inFlight.Values];
                // Full hands: go on as soon as one send ends. Otherwise nothing more is due now: poll again later.
                var pause = Task.Delay(_options.Poll, _time, stoppingToken);
                if (full && running.Length > 0) await Task.WhenAny(Task.WhenAny(running), pause).ConfigureAwait(false);
                else await pause.ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex) when (ex is HistoryUnavailableException or Npgsql.NpgsqlException)
            {
                failures++;
                _logger.LogWarning("Webhook sender cannot reach the job history database: {Reason}", ex.Message);
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(Math.Min(30, Math.Pow(2, Math.Min(failures, 5)))), _time, stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }
        // Let sends in progress finish (each is bounded by its timeout) so their attempts are recorded.
        Task[] left;
        lock (_gate) left = [.. _inFlight.Values];
        await Task.WhenAll(left).ConfigureAwait(false);
    }

    private async Task PruneIfDueAsync(CancellationToken ct)
    {
        var now = _time.GetUtcNow();
        if (now < _nextPrune) return;
        _nextPrune = now + TimeSpan.FromHours(1);
        const int batch = 1000;
        var pruned = 0;
        for (var i = 0; i < 100; i++)
        {
            var n = await _history.Webhooks.PruneAsync(now - DeliveryRetention, batch, ct).ConfigureAwait(false);
            pruned += n;
            if (n < batch) break;
        }
        if (pruned > 0) _logger.LogInformation("Pruned {Count} webhook deliveries finished over {Days} days ago", pruned, DeliveryRetention.TotalDays);
    }

    /// <summary>Claims as many due deliveries as there is room for and starts them; true when it filled every slot.</summary>
    private async Task<bool> ClaimAndStartAsync(CancellationToken ct)
    {
        int free;
        lock (_gate) free = _options.Concurrency - _inFlight.Count;
        if (free <= 0) return true;
        var claimed = await _history.Webhooks.ClaimDueAsync(free, _options.Lease, ct).ConfigureAwait(false);
        foreach (var delivery in claimed)
        {
            var host = Uri.TryCreate(delivery.Url, UriKind.Absolute, out var uri) ? uri.Host : delivery.Url;
            bool room;
            lock (_gate)
            {
                _perHost.TryGetValue(host, out var busy);
                room = busy < _options.ConcurrencyPerHost;
                if (room)
                {
                    _perHost[host] = busy + 1;
                    _inFlight[delivery.Id] = Task.Run(() => SendAndRecordAsync(delivery, host), CancellationToken.None);
                    WebhookMetrics.InFlight.Inc();
                }
            }
            // A slow host holds its share only: the rest of its due deliveries wait their turn, other hosts go on.
            if (!room) await _history.Webhooks.ReleaseAsync(delivery, TimeSpan.FromMilliseconds(Math.Max(100, _options.Poll.TotalMilliseconds)), ct).ConfigureAwait(false);
        }
        return claimed.Count == free;
    }

    private async Task SendAndRecordAsync(ClaimedDelivery delivery, string host)
    {
        try
        {
            var outcome = await AttemptAsync(delivery).ConfigureAwait(false);
            WebhookMetrics.Attempts.WithLabels(outcome.Result switch
            {
                WebhookAttemptResult.Delivered => "delivered",
                WebhookAttemptResult.Retry => "retry",
                WebhookAttemptResult.Gone => "gone",
                _ => "failed",
            }).Inc();
            WebhookMetrics.AttemptSeconds.Observe(outcome.Duration.TotalSeconds);
            if (!await _history.Webhooks.RecordAttemptAsync(delivery, outcome).ConfigureAwait(false))
                _logger.LogInformation("Webhook delivery {Delivery} was taken over before its attempt was recorded", delivery.Id);
            if (outcome.Result is WebhookAttemptResult.GiveUp or WebhookAttemptResult.Gone)
                _logger.LogWarning("Webhook delivery {Delivery} of {Event} for {Resource} to {Url} stopped after attempt {Attempt}: {Error}",
                    delivery.Id, delivery.EventType, delivery.ResourceId, delivery.Url, delivery.AttemptsBefore + 1, outcome.Error);
        }
        catch (Exception ex)
        {
            // The attempt is not recorded: the lease runs out and another claim retries it.
            _logger.LogWarning("Webhook delivery {Delivery}: attempt not recorded: {Reason}", delivery.Id, ex.Message);
        }
        finally
        {
            lock (_gate)
            {
                _inFlight.Remove(delivery.Id);
                if (--_perHost[host] <= 0) _perHost.Remove(host);
            }
            WebhookMetrics.InFlight.Dec();
        }
    }

    private async Task<WebhookAttemptOutcome> AttemptAsync(ClaimedDelivery delivery)
    {
        var started = _time.GetUtcNow();
        var clock = Stopwatch.StartNew();
        WebhookAttemptOutcome Outcome(WebhookAttemptResult result, int? status, string? error)
        {
            if (result != WebhookAttemptResult.Retry) return new(result, started, clock.Elapsed, status, error);
            return NextAttempt(delivery) is { } next
                ? new(result, started, clock.Elapsed, status, error, next)
                : new(WebhookAttemptResult.GiveUp, started, clock.Elapsed, status, $"{error} (retried for {_options.RetryFor.TotalHours:0.#} h: given up)");
        }

        if (delivery.Secret is null) return Outcome(WebhookAttemptResult.GiveUp, null, "the signing secret is gone");
        using var timeout = new CancellationTokenSource(_options.Timeout);
        RenderedBody rendered;
        try
        {
            rendered = await _payloads.RenderAsync(delivery, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HistoryUnavailableException or OperationCanceledException)
        {
            return Outcome(WebhookAttemptResult.Retry, null, "the job history database is unavailable");
        }
        if (rendered.Body is not { } body)
            return Outcome(rendered.Retry ? WebhookAttemptResult.Retry : WebhookAttemptResult.GiveUp, null, rendered.Missing);

        var timestamp = _time.GetUtcNow().ToUnixTimeSeconds();
        using var request = new HttpRequestMessage(HttpMethod.Post, delivery.Url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Add("webhook-id", delivery.Id);
        request.Headers.Add("webhook-timestamp", timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.Add("webhook-signature", WebhookSignature.Sign(delivery.Secret, delivery.Id, timestamp, body));
        try
        {
            // Only the status matters: the answer's body is never read (a receiver cannot make the sender buffer it).
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
            var status = (int)response.StatusCode;
            if (status is >= 200 and < 300) return Outcome(WebhookAttemptResult.Delivered, status, null);
            if (response.StatusCode == HttpStatusCode.Gone)
                return delivery.SubscriptionId is null
                    ? Outcome(WebhookAttemptResult.GiveUp, status, "the receiver answered 410 Gone")
                    : Outcome(WebhookAttemptResult.Gone, status, "the receiver answered 410 Gone: subscription disabled");
            if (status is >= 300 and < 400) return Outcome(WebhookAttemptResult.Retry, status, $"HTTP {status}: redirects are not followed");
            return Outcome(WebhookAttemptResult.Retry, status, $"HTTP {status}");
        }
        catch (HttpRequestException ex) when (ex.InnerException is WebhookAddressRefusedException refused)
        {
            return Outcome(WebhookAttemptResult.GiveUp, null, refused.Message);
        }
        catch (HttpRequestException ex)
        {
            return Outcome(WebhookAttemptResult.Retry, null, Shorten(ex.InnerException?.Message ?? ex.Message));
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            return Outcome(WebhookAttemptResult.Retry, null, $"no answer within {_options.Timeout.TotalSeconds:0.#} s");
        }
    }

    /// <summary>
    /// When to try again after the attempt now failing: the base delay doubled per attempt so far, capped, with the
    /// upper half jittered so a receiver's backlog does not come back all at once; null when that falls past the window.
    /// </summary>
    private DateTimeOffset? NextAttempt(ClaimedDelivery delivery)
    {
        var delay = Backoff(delivery.AttemptsBefore + 1, _options.RetryBase, _options.RetryMax, Random.Shared.NextDouble());
        var at = _time.GetUtcNow() + delay;
        return at <= delivery.CreatedAt + _options.RetryFor ? at : null;
    }

    /// <summary>Delay after failed attempt <paramref name="attempt"/> (1 for the first): base·2^(attempt-1), capped; half of it jittered by <paramref name="random"/> in [0, 1).</summary>
    public static TimeSpan Backoff(int attempt, TimeSpan baseDelay, TimeSpan max, double random)
    {
        var full = Math.Min(max.TotalMilliseconds, baseDelay.TotalMilliseconds * Math.Pow(2, Math.Min(attempt - 1, 30)));
        return TimeSpan.FromMilliseconds(full / 2 + full / 2 * random);
    }

    private static string Shorten(string text) => text.Length <= MaxErrorText ? text : text[..MaxErrorText];

    public override void Dispose()
    {
        _http.Dispose();
        base.Dispose();
    }
}
