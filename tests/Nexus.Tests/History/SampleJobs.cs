using System.Text.Json;
using Nexus.Crds.Entities;
using Nexus.Shared.History;

namespace Nexus.Tests.History;

/// <summary>Archived-job records for tests: real ULID ids, whole records with attempts, results and errors.</summary>
public static class SampleJobs
{
    public static readonly string[] Types = [.. JobTypes.All];
    public static readonly string[] Statuses = [JobPhases.Completed, JobPhases.Failed, JobPhases.Cancelled];

    public static JsonElement Json(string text)
    {
        using var doc = JsonDocument.Parse(text);
        return doc.RootElement.Clone();
    }

    public static ArchivedJob Completed(string tenant, DateTimeOffset? createdAt = null, string type = JobTypes.PricingRecalculate, JsonElement? result = null)
    {
        var created = createdAt ?? DateTimeOffset.UtcNow;
        var id = "job_" + Ulid.NewUlid(created);
        return new ArchivedJob
        {
            Id = id,
            Tenant = tenant,
            Type = type,
            Status = JobPhases.Completed,
            Priority = Priorities.High,
            Params = Json("""{"skus":["SKU-001","SKU-002"],"marketplace":"amazon_us","apply":false}"""),
            CreatedAt = created,
            StartedAt = created.AddSeconds(4),
            CompletedAt = created.AddSeconds(31),
            EstimatedCompletionAt = created.AddSeconds(30),
            Attempts =
            [
                new JobAttempt(1, "pricing", "worker-a", created.AddSeconds(1), created.AddSeconds(3), JobPhases.Failed, "WORKER_UNAVAILABLE"),
                new JobAttempt(2, "pricing", "worker-b", created.AddSeconds(4), created.AddSeconds(31), JobPhases.Completed, null),
            ],
            Result = result ?? Json("""{"processed_count":2,"updated_count":1,"recommendations":[{"sku":"SKU-001","recommended_price":13.49}]}"""),
        };
    }

    public static ArchivedJob Failed(string tenant, DateTimeOffset? createdAt = null) =>
        Completed(tenant, createdAt) with
        {
            Status = JobPhases.Failed,
            Result = null,
            Error = new ArchivedError("WORKER_TIMEOUT", "Worker did not respond within the timeout window", 2),
        };

    /// <summary>Many jobs for <paramref name="tenants"/>, seven seconds apart going back from now, types and statuses cycling.</summary>
    public static List<ArchivedJob> Many(int count, string[] tenants, bool withResults = false)
    {
        var start = DateTimeOffset.UtcNow.AddDays(-1);
        var jobs = new List<ArchivedJob>(count);
        for (var i = 0; i < count; i++)
        {
            var created = start.AddSeconds(-i * 7);
            jobs.Add(new ArchivedJob
            {
                Id = "job_" + Ulid.NewUlid(created),
                Tenant = tenants[i % tenants.Length],
                // Tenants cycle fastest, then statuses, then types: every tenant has every combination.
                Type = Types[i / (tenants.Length * Statuses.Length) % Types.Length],
                Status = Statuses[i / tenants.Length % Statuses.Length],
                CreatedAt = created,
                StartedAt = created.AddSeconds(1),
                CompletedAt = created.AddSeconds(2),
                Params = Json($$"""{"n":{{i}}}"""),
                Result = withResults && i % 3 == 0 ? Json($$"""{"processed_count":{{i}}}""") : null,
            });
        }
        return jobs;
    }
}
