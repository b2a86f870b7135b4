using System.Text.Json;
using Nexus.Crds.Entities;
using Nexus.Shared.History;

namespace Nexus.Bench.History;

/// <summary>
/// The generated archive: jobs seconds apart going back from now over ~90 days, a large tenant with 60% of them and
/// the rest spread evenly; 80% completed (a third of those with a small result), 15% failed, 5% cancelled.
/// </summary>
public sealed class LoadPlan(int total, int tenants)
{
    public const string LargeTenant = "tenant-000";

    private static readonly JsonElement Params = Parse("""{"skus":["SKU-001","SKU-002"],"marketplace":"amazon_us","apply":false}""");
    private static readonly JsonElement Result = Parse("""{"processed_count":2,"updated_count":1,"recommendations":[{"sku":"SKU-001","current_price":14.99,"recommended_price":13.49,"confidence":0.87,"applied":false}]}""");

    private readonly List<(string Tenant, string Id)> _sample = [];
    private readonly DateTimeOffset _newest = DateTimeOffset.UtcNow.AddMinutes(-1);
    private readonly TimeSpan _step = TimeSpan.FromDays(90) / Math.Max(1, total);
    private int _fresh;

    /// <summary>How many jobs of the large tenant match the completed filter.</summary>
    public int LargeTenantMatches { get; private set; }

    public IEnumerable<List<ArchivedJob>> Chunks(int size)
    {
        var chunk = new List<ArchivedJob>(size);
        for (var i = 0; i < total; i++)
        {
            var job = Make(i, _newest - _step * i);
            if (job.Tenant == LargeTenant && job.Status == JobPhases.Completed) LargeTenantMatches++;
            if (i % 97 == 0) _sample.Add((job.Tenant, job.Id));
            chunk.Add(job);
            if (chunk.Count == size)
            {
                yield return chunk;
                chunk = new List<ArchivedJob>(size);
            }
        }
        if (chunk.Count > 0) yield return chunk;
    }

    public (string Tenant, string Id) RandomJob(Random random) => _sample[random.Next(_sample.Count)];

    public string RandomTenant(Random random) => TenantName(random.Next(tenants));

    /// <summary>New finished jobs (created now) for the upsert measurement.</summary>
    public List<ArchivedJob> Fresh(int count)
    {
        var jobs = new List<ArchivedJob>(count);
        for (var i = 0; i < count; i++)
        {
            var n = Interlocked.Increment(ref _fresh);
            jobs.Add(Make(n, DateTimeOffset.UtcNow) with { Status = JobPhases.Completed, Result = Result, Error = null });
        }
        return jobs;
    }

    private ArchivedJob Make(int i, DateTimeOffset created)
    {
        var tenant = i % 10 < 6 ? LargeTenant : TenantName(1 + i % Math.Max(1, tenants - 1));
        var roll = i * 7919 % 100;
        var status = roll < 80 ? JobPhases.Completed : roll < 95 ? JobPhases.Failed : JobPhases.Cancelled;
        return new ArchivedJob
        {
            Id = "job_" + Ulid.NewUlid(created),
            Tenant = tenant,
            Type = JobTypes.All[i % JobTypes.All.Count],
            Status = status,
            Priority = Priorities.Normal,
            Params = Params,
            CreatedAt = created,
            StartedAt = created.AddSeconds(2),
            CompletedAt = created.AddSeconds(30),
            Error = status == JobPhases.Completed ? null : new ArchivedError("WORKER_TIMEOUT", "Worker did not respond within the timeout window", 2),
            Attempts = [new JobAttempt(1, "pool", "worker-1", created.AddSeconds(2), created.AddSeconds(30), status, null)],
            Result = status == JobPhases.Completed && i % 3 == 0 ? Result : null,
        };
    }

    public static string TenantName(int n) => $"tenant-{n:D3}";

    private static JsonElement Parse(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return doc.RootElement.Clone();
    }
}
