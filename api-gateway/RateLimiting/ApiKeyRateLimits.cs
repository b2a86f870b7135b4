using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Nexus.Gateway.Api;
using Nexus.Gateway.Auth;
using Nexus.Gateway.Outcomes;
using Prometheus;

namespace Nexus.Gateway.RateLimiting;

/// <summary>
/// Per API key rate limits with ASP.NET Core's rate limiter: one token bucket per key (the key's own limit from its
/// Secret, else the gateway's), shared by all the key's tenants. Over it: 429 <c>RATE_LIMITED</c> with
/// <c>Retry-After</c>. Every answer to a limited key carries <c>RateLimit-Limit</c>, <c>RateLimit-Remaining</c>,
/// <c>RateLimit-Reset</c> and <c>RateLimit-Policy</c>. Requests without a known key are not limited here (they are
/// refused by authentication, which costs one hash).
/// </summary>
public static class ApiKeyRateLimits
{
    private const string ItemKey = "nexus.rate-limit";

    public static readonly Counter Refused = Prometheus.Metrics.CreateCounter(
        "nexus_gateway_rate_limited_total", "Requests refused with 429 RATE_LIMITED, by API key (its Secret's name).",
        new CounterConfiguration { LabelNames = ["key"] });

    public static IServiceCollection AddApiKeyRateLimits(this IServiceCollection services)
    {
        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>().Configure<ApiKeyCache, GatewayOptions>((options, keys, gateway) =>
        {
            var defaults = new KeyRateLimit(gateway.RateLimitPerSecond, gateway.RateLimitBurst);
            options.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(http => Partition(http, keys, defaults));
            options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            options.OnRejected = OnRejectedAsync;
        });
        return services;
    }

    /// <summary>The request's bucket: one per key and limit (a changed limit starts a new bucket), none without a key.</summary>
    private static RateLimitPartition<string> Partition(HttpContext http, ApiKeyCache keys, KeyRateLimit defaults)
    {
        if (http.Items[ItemKey] is Limited known) return known.Partition;
        var key = BearerToken(http.Request) is { } token ? keys.FindByKey(token) : null;
        if (key is null) return RateLimitPartition.GetNoLimiter("");
        var limit = key.RateLimit ?? defaults;
        var partition = RateLimitPartition.GetTokenBucketLimiter($"{key.Name}|{limit.PerSecond}|{limit.Burst}", _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = limit.Burst,
            TokensPerPeriod = limit.PerSecond,
            ReplenishmentPeriod = TimeSpan.FromSeconds(1),
            QueueLimit = 0,
            AutoReplenishment = true,
        });
        http.Items[ItemKey] = new Limited(key.Name, limit, partition);
        http.Response.OnStarting(() => AddHeaders(http));
        return partition;
    }

    private static Task AddHeaders(HttpContext http)
    {
        if (http.Items[ItemKey] is not Limited limited) return Task.CompletedTask;
        var limiter = http.RequestServices.GetRequiredService<Microsoft.Extensions.Options.IOptions<RateLimiterOptions>>().Value.GlobalLimiter;
        var remaining = Math.Max(0, limiter?.GetStatistics(http)?.CurrentAvailablePermits ?? 0);
        var limit = limited.Limit;
        var reset = (int)Math.Ceiling((limit.Burst - remaining) / (double)limit.PerSecond);
        var headers = http.Response.Headers;
        headers["RateLimit-Limit"] = limit.Burst.ToString(CultureInfo.InvariantCulture);
        headers["RateLimit-Remaining"] = remaining.ToString(CultureInfo.InvariantCulture);
        headers["RateLimit-Reset"] = reset.ToString(CultureInfo.InvariantCulture);
        headers["RateLimit-Policy"] = $"{limit.Burst};w=1;rate={limit.PerSecond}";
        return Task.CompletedTask;
    }

    private static async ValueTask OnRejectedAsync(OnRejectedContext context, CancellationToken ct)
    {
        var http = context.HttpContext;
        var limited = http.Items[ItemKey] as Limited;
        var wait = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : TimeSpan.FromSeconds(1);
        var seconds = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));
        if (limited is not null) Refused.WithLabels(limited.KeyName).Inc();
        var limit = limited?.Limit.ToString() ?? "its limit";
        await new ApiError(new Rejection(ErrorCodes.RateLimited, $"API key is over its rate limit ({limit}); retry after {seconds} s")
        {
            RetryAfterSeconds = seconds,
        }).ExecuteAsync(http);
    }

    private static string? BearerToken(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        return header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) && header.Length > 7 ? header[7..].Trim() : null;
    }

    private sealed record Limited(string KeyName, KeyRateLimit Limit, RateLimitPartition<string> Partition);
}
