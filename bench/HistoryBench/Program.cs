using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Npgsql;
using Nexus.Bench.History;
using Nexus.Crds.Entities;
using Nexus.Shared.History;

// Usage: HistoryBench [jobs=1000000] [tenants=100] [samples=2000]
// The database: NEXUS_DATABASE_URL when set (its database is replaced by a fresh "nexus_history_bench"), else a
// durable cluster started with scripts/postgres.sh in a temporary directory and stopped at the end.
var total = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1_000_000;
var tenants = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 100;
var samples = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 2000;

await using var cluster = await BenchCluster.StartAsync();
Console.WriteLine($"database: {DatabaseUrl.Redact(cluster.Url)}");
var connectionString = await cluster.FreshDatabaseAsync("nexus_history_bench");
await using var db = new HistoryDatabase(new HistoryOptions { ConnectionString = connectionString });
await db.MigrateAsync();

// One large tenant holds 60% of the jobs, so a filtered list has a page 500,000 jobs deep; the rest share 40%.
var load = new LoadPlan(total, tenants);
var watch = Stopwatch.StartNew();
var loaded = 0L;
foreach (var chunk in load.Chunks(50_000))
{
    loaded += await db.Jobs.BulkImportAsync(chunk);
    Console.Write($"\rloaded {loaded:N0} / {total:N0} ({loaded / watch.Elapsed.TotalSeconds:N0} jobs/s)   ");
}
Console.WriteLine();
var loadSeconds = watch.Elapsed.TotalSeconds;
await Exec(db, "ANALYZE jobs; ANALYZE job_results; CHECKPOINT");
Console.WriteLine($"bulk load (COPY, binary): {total:N0} jobs over {tenants} tenants in {loadSeconds:N1} s = {total / loadSeconds:N0} jobs/s; " +
                  $"database size {await Scalar<string>(db, "SELECT pg_size_pretty(pg_database_size(current_database()))")}");

var random = new Random(42);

// GET of an archived job (with its result) by tenant and id.
var getLatency = await Measure(samples, async () =>
{
    var (tenant, id) = load.RandomJob(random);
    var job = await db.Jobs.GetJobAsync(tenant, id) ?? throw new InvalidOperationException($"{id} not found");
    if (job.Tenant != tenant) throw new InvalidOperationException("wrong tenant");
});

// First page of a filtered list (status=completed, 50 per page) of a random tenant.
var firstPage = await Measure(samples, async () =>
{
    var page = await db.Jobs.ListJobsAsync(new JobListQuery { Tenant = load.RandomTenant(random), Status = JobPhases.Completed, Limit = 50 });
    if (page.Jobs.Count == 0) throw new InvalidOperationException("empty first page");
});

// A page 500,000 jobs deep in the large tenant's filtered list: the cursor of the 500,000th match (found once, with
// OFFSET, outside the measurement), then keyset pages from it.
var depth = Math.Min(500_000, load.LargeTenantMatches - 100);
var deepCursor = await DeepCursor(db, LoadPlan.LargeTenant, JobPhases.Completed, depth);
var deepPage = await Measure(samples, async () =>
{
    var page = await db.Jobs.ListJobsAsync(new JobListQuery { Tenant = LoadPlan.LargeTenant, Status = JobPhases.Completed, Limit = 50, After = deepCursor });
    if (page.Jobs.Count != 50) throw new InvalidOperationException("short deep page");
});
var plan = await db.Jobs.ExplainListAsync(new JobListQuery { Tenant = LoadPlan.LargeTenant, Status = JobPhases.Completed, Limit = 50, After = deepCursor });

// Archive upserts: whole records with a small result, in batches of 100 (one round trip and one commit each), from
// one writer and from four; then one job per call for comparison.
var upsertOne = await Upserts(db, load, writers: 1, batch: 100, jobs: 20_000);
var upsertFour = await Upserts(db, load, writers: 4, batch: 100, jobs: 20_000);
var upsertSingle = await Upserts(db, load, writers: 1, batch: 1, jobs: 2_000);

Console.WriteLine();
Console.WriteLine($"| measure ({total:N0} archived jobs, {tenants} tenants) | p50 | p99 | target |");
Console.WriteLine("|---|---|---|---|");
Console.WriteLine($"| GET archived job by (tenant, id), with result | {getLatency.P50:N2} ms | {getLatency.P99:N2} ms | p99 < 5 ms |");
Console.WriteLine($"| list, status filter, first page (50) | {firstPage.P50:N2} ms | {firstPage.P99:N2} ms | p99 < 20 ms |");
Console.WriteLine($"| list, status filter, page {depth:N0} jobs deep (50) | {deepPage.P50:N2} ms | {deepPage.P99:N2} ms | p99 < 20 ms |");
Console.WriteLine();
Console.WriteLine("| archive upserts | jobs/s |");
Console.WriteLine("|---|---|");
Console.WriteLine($"| batches of 100, 1 writer | {upsertOne:N0} |");
Console.WriteLine($"| batches of 100, 4 writers | {upsertFour:N0} |");
Console.WriteLine($"| one job per call, 1 writer | {upsertSingle:N0} |");
Console.WriteLine();
Console.WriteLine("deep page plan:");
Console.WriteLine(plan);

static async Task<(double P50, double P99)> Measure(int count, Func<Task> call)
{
    for (var i = 0; i < Math.Min(200, count); i++) await call(); // warm-up: JIT, pool, cache
    var times = new double[count];
    for (var i = 0; i < count; i++)
    {
        var start = Stopwatch.GetTimestamp();
        await call();
        times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
    }
    Array.Sort(times);
    return (times[count / 2], times[(int)Math.Ceiling(count * 0.99) - 1]);
}

static async Task<double> Upserts(HistoryDatabase db, LoadPlan load, int writers, int batch, int jobs)
{
    var perWriter = jobs / writers;
    var watch = Stopwatch.StartNew();
    await Task.WhenAll(Enumerable.Range(0, writers).Select(_ => Task.Run(async () =>
    {
        for (var done = 0; done < perWriter; done += batch)
            await db.Jobs.ArchiveAsync(load.Fresh(batch));
    })));
    return perWriter * writers / watch.Elapsed.TotalSeconds;
}

static async Task<JobCursor> DeepCursor(HistoryDatabase db, string tenant, string status, int depth)
{
    await using var cmd = db.DataSource.CreateCommand(
        "SELECT created_at, id FROM jobs WHERE tenant = $1 AND status = $2 ORDER BY created_at DESC, id DESC OFFSET $3 LIMIT 1");
    cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenant });
    cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = status });
    cmd.Parameters.Add(new NpgsqlParameter<int> { TypedValue = depth - 1 });
    await using var reader = await cmd.ExecuteReaderAsync();
    if (!await reader.ReadAsync()) throw new InvalidOperationException($"the list is not {depth} jobs deep");
    return new JobCursor(reader.GetFieldValue<DateTimeOffset>(0), reader.GetString(1));
}

static async Task Exec(HistoryDatabase db, string sql)
{
    await using var cmd = db.DataSource.CreateCommand(sql);
    await cmd.ExecuteNonQueryAsync();
}

static async Task<T> Scalar<T>(HistoryDatabase db, string sql)
{
    await using var cmd = db.DataSource.CreateCommand(sql);
    await using var reader = await cmd.ExecuteReaderAsync();
    await reader.ReadAsync();
    return reader.GetFieldValue<T>(0);
}
