using System.Diagnostics;

namespace Nexus.Bench.Gateway;

/// <summary>A closed-loop load: <c>concurrency</c> clients each sending the next request as soon as the last one answered.</summary>
public static class Throughput
{
    public sealed record Figures(double PerSecond, double P50, double P99);

    public static async Task<Figures> RunAsync(string name, int count, int concurrency, int expected, Func<Task<HttpResponseMessage>> send)
    {
        var latencies = new double[count];
        var next = -1;
        var failures = 0;
        string? firstFailure = null;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                var start = Stopwatch.GetTimestamp();
                using var response = await send();
                await response.Content.LoadIntoBufferAsync();
                latencies[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                if ((int)response.StatusCode != expected && Interlocked.Increment(ref failures) == 1)
                    firstFailure = $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}";
            }
        }));
        clock.Stop();
        if (failures > 0) throw new InvalidOperationException($"{name}: {failures} requests did not answer {expected}; first: {firstFailure}");
        Array.Sort(latencies);
        return new Figures(count / clock.Elapsed.TotalSeconds, latencies[count / 2], latencies[(int)(count * 0.99)]);
    }
}
