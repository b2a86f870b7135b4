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
var stopped = new TaskCompletionSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; stopped.TrySetResult(); };
AppDomain.CurrentDomain.ProcessExit += (_, _) => stopped.TrySetResult();
await stopped.Task;
await host.StopAsync();
return 0;
