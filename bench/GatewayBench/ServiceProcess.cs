using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Nexus.Bench.Gateway;

/// <summary>
/// A service of the platform (<c>dotnet Nexus.Gateway.dll</c>, <c>dotnet Nexus.Operator.dll</c>, from its project's
/// output folder in the benchmark's configuration) run as a child process, so its resident memory is its own and not
/// the benchmark's.
/// </summary>
public sealed class ServiceProcess : IDisposable
{
    private readonly Process _process;
    private readonly TaskCompletionSource<string> _readyLine = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<string> _lastLines = [];

    private ServiceProcess(Process process, string? readyMarker)
    {
        _process = process;
        void OnLine(string? line)
        {
            if (line is null) return;
            lock (_lastLines)
            {
                _lastLines.Add(line);
                if (_lastLines.Count > 20) _lastLines.RemoveAt(0);
            }
            if (readyMarker is not null && line.Contains(readyMarker, StringComparison.Ordinal)) _readyLine.TrySetResult(line);
        }
        process.OutputDataReceived += (_, e) => OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public int Id => _process.Id;

    /// <summary>
    /// Starts <c>dotnet PROJECT/bin/CONFIG/TFM/DLL</c> (the project built by the benchmark's project references, in the
    /// benchmark's own configuration) with the given environment; <paramref name="readyMarker"/>: a text of its output
    /// that says it is ready.
    /// </summary>
    public static ServiceProcess Start(string project, string dll, IReadOnlyDictionary<string, string> environment, string? readyMarker = null)
    {
        // This benchmark runs from bench/GatewayBench/bin/CONFIG/TFM/: the service's output is the same two folders down its project.
        var own = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var path = Path.Combine(Paths.Root, project, "bin", own.Parent!.Name, own.Name, dll);
        if (!File.Exists(path)) throw new FileNotFoundException($"{path} is not built (build bench/GatewayBench, which builds it)", path);
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(path);
        foreach (var (name, value) in environment) info.Environment[name] = value;
        return new ServiceProcess(Process.Start(info)!, readyMarker);
    }

    public async Task<string> WaitReadyAsync(TimeSpan timeout)
    {
        var exited = _process.WaitForExitAsync();
        var done = await Task.WhenAny(_readyLine.Task, exited, Task.Delay(timeout));
        if (done == _readyLine.Task) return await _readyLine.Task;
        throw new InvalidOperationException($"{_process.StartInfo.ArgumentList[0]} {(done == exited ? "exited" : "was not ready in time")}; last output:\n{Output()}");
    }

    /// <summary>VmRSS and VmHWM (peak resident) from /proc, in MB.</summary>
    public (double Resident, double Peak) Memory()
    {
        if (_process.HasExited) throw new InvalidOperationException($"the process exited; last output:\n{Output()}");
        var status = File.ReadAllLines($"/proc/{_process.Id}/status");
        double Mb(string field) => long.Parse(status.First(l => l.StartsWith(field + ":", StringComparison.Ordinal)).Split(':')[1].Trim().Split(' ')[0]) / 1024.0;
        return (Mb("VmRSS"), Mb("VmHWM"));
    }

    public string Output()
    {
        lock (_lastLines) return string.Join('\n', _lastLines);
    }

    /// <summary>A TCP port free on 127.0.0.1 now (for a child that must be told where to listen).</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }
        _process.Dispose();
    }
}
