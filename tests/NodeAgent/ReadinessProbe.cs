using k8s.Models;

namespace Nexus.NodeAgent;

/// <summary>
/// A container's httpGet readinessProbe, with the kubelet's defaults (period 10 s, timeout 1 s, success 1,
/// failure 3): ready after successThreshold answers in 200-399, not ready after failureThreshold failures.
/// A container without a readiness probe is ready as soon as it runs.
/// </summary>
public sealed class ReadinessProbe
{
    private static readonly HttpClient Http = new(new SocketsHttpHandler { UseProxy = false, PooledConnectionLifetime = TimeSpan.FromSeconds(30) });
    private readonly V1Probe? _probe;
    private readonly int? _port;

    public ReadinessProbe(V1Probe? probe, IReadOnlyDictionary<string, int> ports)
    {
        _probe = probe;
        if (probe is { HttpGet: { } get })
        {
            _port = LocalConvention.Resolve(get.Port, ports)
                    ?? throw new ArgumentException($"readinessProbe port {get.Port?.Value} names no container port");
        }
        else if (probe is not null)
        {
            throw new ArgumentException("only httpGet readiness probes are supported locally");
        }
    }

    /// <summary>Probes until cancelled, reporting each change of readiness.</summary>
    public async Task RunAsync(Action<bool> readyChanged, CancellationToken ct)
    {
        if (_probe is null)
        {
            readyChanged(true);
            return;
        }
        var get = _probe.HttpGet;
        var url = $"http://{LocalConvention.PodIp}:{_port}/{(get.Path ?? "/").TrimStart('/')}";
        var period = TimeSpan.FromSeconds(Math.Max(1, _probe.PeriodSeconds ?? 10));
        var timeout = TimeSpan.FromSeconds(Math.Max(1, _probe.TimeoutSeconds ?? 1));
        int successNeeded = Math.Max(1, _probe.SuccessThreshold ?? 1), failureNeeded = Math.Max(1, _probe.FailureThreshold ?? 3);
        int successes = 0, failures = 0;
        var ready = false;
        await Task.Delay(TimeSpan.FromSeconds(Math.Max(0, _probe.InitialDelaySeconds ?? 0)), ct);
        while (!ct.IsCancellationRequested)
        {
            if (await PassesAsync(url, get.HttpHeaders, timeout, ct)) { successes++; failures = 0; }
            else { failures++; successes = 0; }
            if (!ready && successes >= successNeeded) readyChanged(ready = true);
            else if (ready && failures >= failureNeeded) readyChanged(ready = false);
            await Task.Delay(period, ct);
        }
    }

    private static async Task<bool> PassesAsync(string url, IList<V1HTTPHeader>? headers, TimeSpan timeout, CancellationToken ct)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(timeout);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            foreach (var h in headers ?? []) request.Headers.TryAddWithoutValidation(h.Name, h.Value);
            using var response = await Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cts.Token);
            return (int)response.StatusCode is >= 200 and < 400;
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException && !ct.IsCancellationRequested)
        {
            return false;
        }
    }
}
