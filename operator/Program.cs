using System.Runtime.InteropServices;
using Microsoft.Extensions.Options;
using Nexus.Operator;

OperatorOptions options;
try
{
    options = OperatorSettings.Load(args);
}
catch (OptionsValidationException e)
{
    // A bad setting stops the process before it does anything, naming each setting to fix.
    foreach (var failure in e.Failures) Console.Error.WriteLine($"nexus-operator: invalid setting {failure}");
    return 2;
}
catch (ArgumentException e)
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
