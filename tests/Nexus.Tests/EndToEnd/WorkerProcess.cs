using System.Diagnostics;
using Nexus.Tests.Support;

namespace Nexus.Tests.EndToEnd;

/// <summary>A real uvicorn worker started by a test (e.g. to stand in for a restarted pod); stopped on dispose.</summary>
public sealed class WorkerProcess : IDisposable
{
    private readonly Process _process;

    private WorkerProcess(Process process) => _process = process;

    public static async Task<WorkerProcess> StartAsync(int port, string jobTypes, string runDirectory)
    {
        var start = new ProcessStartInfo("/usr/bin/python3",
            ["-m", "nexus_worker", "--host", "127.0.0.1", "--port", port.ToString()])
        {
            WorkingDirectory = RepoPaths.Of("workers"),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["WORKER_JOB_TYPES"] = jobTypes;
        start.Environment["WORKER_ALLOW_SIMULATION"] = "1";
        start.Environment["WORKER_DB_PATH"] = Path.Combine(runDirectory, "worker-data.sqlite3");
        var process = Process.Start(start)!;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var worker = new WorkerProcess(process);
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
            await Wait.UntilAsync(async () =>
            {
                if (process.HasExited) throw new InvalidOperationException($"worker on port {port} exited with {process.ExitCode}");
                try { return (await http.GetAsync($"http://127.0.0.1:{port}/readyz")).IsSuccessStatusCode; }
                catch (HttpRequestException) { return false; }
            }, $"worker on port {port} to be ready", TimeSpan.FromSeconds(60));
            return worker;
        }
        catch
        {
            worker.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            Signals.Send(_process.Id, Signals.Sigterm);
            if (!_process.WaitForExit(TimeSpan.FromSeconds(15))) _process.Kill();
        }
        _process.Dispose();
    }
}
