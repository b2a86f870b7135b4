using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Nexus.NodeAgent;

/// <summary>
/// One container run as a local process: <c>/bin/sh -c COMMAND</c> in a session of its own (so a signal reaches
/// everything it started), output appended to a log file. Exit code as a container runtime reports it
/// (128 + signal for a signalled process).
/// </summary>
public sealed class LocalProcess : IDisposable
{
    private const int Sigterm = 15;
    private const int Sigkill = 9;
    private readonly Process _process;

    private LocalProcess(Process process) => _process = process;

    public int Pid => _process.Id;
    public bool HasExited => _process.HasExited;
    public int ExitCode => _process.ExitCode;
    public Task Exited => _process.WaitForExitAsync();

    public static LocalProcess Start(string command, string workingDirectory, IReadOnlyDictionary<string, string> env, string? logFile)
    {
        // $0 is the log file and $1 the command; eval keeps `exec` in the command replacing the shell.
        var start = new ProcessStartInfo("setsid")
        {
            WorkingDirectory = workingDirectory,
            UseShellExecute = false,
            RedirectStandardInput = true,
        };
        foreach (var a in (string[])["/bin/sh", "-c", "exec >>\"$0\" 2>&1 </dev/null; eval \"$1\"", logFile ?? "/dev/null", command])
            start.ArgumentList.Add(a);
        foreach (var (k, v) in env) start.Environment[k] = v;
        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start " + command);
        process.StandardInput.Close();
        return new LocalProcess(process);
    }

    /// <summary>SIGTERM to the process group, then SIGKILL once the grace period is over.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        if (_process.HasExited) return;
        Signal(Sigterm);
        using var timeout = new CancellationTokenSource(grace);
        try { await _process.WaitForExitAsync(timeout.Token); }
        catch (OperationCanceledException)
        {
            Signal(Sigkill);
            await _process.WaitForExitAsync();
        }
    }

    public void Kill() => Signal(Sigkill);

    private void Signal(int signal)
    {
        // The process leads its own group (setsid); signal the group, and the process itself should it have left it.
        _ = KillNative(-_process.Id, signal);
        _ = KillNative(_process.Id, signal);
    }

    public void Dispose() => _process.Dispose();

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int KillNative(int pid, int signal);
}
