using System.Runtime.InteropServices;

namespace Nexus.Tests.Support;

/// <summary>POSIX signals for processes the tests start (Process.Kill only sends SIGKILL).</summary>
public static class Signals
{
    public const int Sigint = 2;
    public const int Sigterm = 15;
    public const int Sigkill = 9;

    public static void Send(int pid, int signal)
    {
        if (Kill(pid, signal) != 0) throw new InvalidOperationException($"kill({pid}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}");
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
