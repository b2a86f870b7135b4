using System.Net.Sockets;
using Npgsql;

namespace Nexus.Shared.History;

/// <summary>
/// Runs one database operation and turns "the database is not there" into <see cref="HistoryUnavailableException"/>.
/// After a server restart every pooled connection is dead: the pool is cleared and the operation tried once more on
/// a fresh connection, so the first call after a restart succeeds. Every operation here is idempotent, so a retry
/// after a lost reply is safe.
/// </summary>
internal static class DbCall
{
    public static async Task<T> RunAsync<T>(NpgsqlDataSource dataSource, string what, Func<CancellationToken, Task<T>> operation,
        CancellationToken ct, bool retry = true)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await operation(ct).ConfigureAwait(false);
            }
            catch (Exception ex) when (!ct.IsCancellationRequested && IsUnavailable(ex))
            {
                dataSource.Clear();
                if (attempt >= 2 || !retry) throw new HistoryUnavailableException($"job history database unavailable while {what}: {ex.Message}", ex);
            }
        }
    }

    public static async Task RunAsync(NpgsqlDataSource dataSource, string what, Func<CancellationToken, Task> operation, CancellationToken ct) =>
        await RunAsync<bool>(dataSource, what, async c => { await operation(c).ConfigureAwait(false); return true; }, ct).ConfigureAwait(false);

    /// <summary>Connection-level failures, server shutdown and overload; not errors in what was asked.</summary>
    public static bool IsUnavailable(Exception ex) => ex switch
    {
        PostgresException pg => pg.SqlState.StartsWith("08", StringComparison.Ordinal) // connection exceptions
                                || pg.SqlState is PostgresErrorCodes.AdminShutdown or PostgresErrorCodes.CrashShutdown
                                    or PostgresErrorCodes.CannotConnectNow or PostgresErrorCodes.TooManyConnections,
        NpgsqlException => true, // raised by Npgsql itself: I/O, connect and command timeouts, broken connections
        TimeoutException or SocketException or IOException => true,
        _ => false,
    };
}
