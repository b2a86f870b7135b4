using System.Net;
using System.Net.Sockets;
using Nexus.Shared.History;
using Nexus.Tests.Support;

namespace Nexus.Tests.History;

/// <summary>A cluster of the outage tests' own: stopping the shared one would fail the other classes.</summary>
public sealed class OwnClusterFixture : IAsyncLifetime
{
    public PostgresServer Server { get; private set; } = null!;
    public HistoryDatabase Db { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Server = await PostgresServer.StartOwnAsync("outage");
        Db = new HistoryDatabase(new HistoryOptions { ConnectionString = Server.Url, ConnectTimeout = TimeSpan.FromSeconds(2) });
        await Db.MigrateAsync();
    }

    public async Task DisposeAsync()
    {
        await Db.DisposeAsync();
        await Server.DisposeAsync();
    }
}

/// <summary>
/// The database going away and coming back: one exception type while it is down, recovery on the next call once
/// it is back. Each test leaves the cluster running.
/// </summary>
public sealed class OutageTests(OwnClusterFixture fixture) : IClassFixture<OwnClusterFixture>
{
    private readonly PostgresServer _server = fixture.Server;
    private readonly HistoryDatabase _db = fixture.Db;

    [Fact]
    public async Task A_restarted_database_is_unavailable_while_down_and_serves_again_on_the_next_call()
    {
        var job = SampleJobs.Completed("acme");
        await _db.Jobs.ArchiveAsync(job);
        // Warm the pool, so dead pooled connections are what the calls after the restart meet first.
        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => _db.Jobs.GetJobAsync("acme", job.Id)));

        await _server.StopAsync();
        var down = await Assert.ThrowsAsync<HistoryUnavailableException>(() => _db.Jobs.GetJobAsync("acme", job.Id));
        Assert.Equal("HISTORY_UNAVAILABLE", HistoryUnavailableException.ErrorCode);
        Assert.Contains("reading a job", down.Message);
        await Assert.ThrowsAsync<HistoryUnavailableException>(() => _db.Jobs.ArchiveAsync(SampleJobs.Completed("acme")));
        await Assert.ThrowsAsync<HistoryUnavailableException>(() => _db.IdempotencyKeys.ClaimAsync("acme", "k", "f", "job_1"));
        await Assert.ThrowsAsync<HistoryUnavailableException>(() => _db.Jobs.ListJobsAsync(new JobListQuery { Tenant = "acme" }));
        await Assert.ThrowsAsync<HistoryUnavailableException>(() => _db.Retention.SweepAsync());
        Assert.False(await _db.PingAsync());

        await _server.StartAsync();
        // The first call after the restart succeeds: nothing was lost, writes work.
        var read = await _db.Jobs.GetJobAsync("acme", job.Id);
        Assert.Equal(job.Result!.Value.GetRawText(), read!.Result!.Value.GetRawText());
        var after = SampleJobs.Completed("acme");
        await _db.Jobs.ArchiveAsync(after);
        Assert.NotNull(await _db.Jobs.GetJobAsync("acme", after.Id));
        Assert.True(await _db.PingAsync());
    }

    [Fact]
    public async Task A_restart_between_calls_on_a_warm_pool_is_not_seen_by_the_caller()
    {
        var job = SampleJobs.Failed("acme");
        await _db.Jobs.ArchiveAsync(job);
        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => _db.Jobs.GetJobAsync("acme", job.Id)));
        await _server.StopAsync();
        await _server.StartAsync();
        var pages = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => _db.Jobs.ListJobsAsync(new JobListQuery { Tenant = "acme" })));
        Assert.All(pages, p => Assert.Contains(p.Jobs, j => j.Id == job.Id));
    }

    [Fact]
    public async Task A_database_that_never_answers_fails_with_the_same_exception()
    {
        // A port nobody listens on: refused at once.
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        await using var nowhere = new HistoryDatabase(new HistoryOptions { ConnectionString = $"postgresql://nexus@127.0.0.1:{port}/nexus" });
        await Assert.ThrowsAsync<HistoryUnavailableException>(() => nowhere.MigrateAsync());
        await Assert.ThrowsAsync<HistoryUnavailableException>(() => nowhere.Jobs.GetJobAsync("acme", "job_1"));
    }
}
