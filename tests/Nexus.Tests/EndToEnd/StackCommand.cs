using System.Diagnostics;
using Nexus.Tests.Support;

namespace Nexus.Tests.EndToEnd;

/// <summary>Runs a command from the repository root with the connection values `make run` printed in its environment.</summary>
internal static class StackCommand
{
    public static async Task<(int Exit, string Stdout, string Stderr)> RunAsync(PlatformStack stack, string file,
        IEnumerable<string> args, IReadOnlyDictionary<string, string> environment, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(file, args)
        {
            WorkingDirectory = RepoPaths.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var (name, value) in environment) start.Environment[name] = value;
        start.Environment["KUBECONFIG"] = stack.Kubeconfig;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(timeout);
        await process.WaitForExitAsync(deadline.Token);
        return (process.ExitCode, await stdout, await stderr);
    }

    /// <summary>The gateway's base URL as the README's commands use it (no trailing slash).</summary>
    public static string GatewayUrl(PlatformStack stack) => stack.Gateway.ToString().TrimEnd('/');
}
