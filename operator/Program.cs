using System.Runtime.InteropServices;
using Nexus.Operator;

OperatorOptions options;
try
{
    options = OperatorOptions.FromEnvironment(args);
}
catch (Exception e) when (e is ArgumentException or FormatException)
{
    Console.Error.WriteLine($"nexus-operator: {e.Message}");
    return 2;
}

await using var host = await OperatorHost.StartAsync(options);
Console.WriteLine($"nexus-operator {options.Identity} serving {host.Url} in namespace {options.Namespace}");
// SIGTERM (Kubernetes stopping the pod) and SIGINT (Ctrl-C) start a graceful stop: cancelling the runtime's default
// handling keeps the process alive until the leader lease is released and in-flight status writes are done.
var stopped = new TaskCompletionSource();
using var onTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stopped.TrySetResult(); });
using var onInt = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stopped.TrySetResult(); });
await stopped.Task;
await host.StopAsync();
return 0;
