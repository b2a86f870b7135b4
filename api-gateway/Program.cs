using Nexus.Gateway;
using Nexus.Gateway.Auth;

// `keys ...` manages API keys; anything else runs the gateway. Settings come from environment variables (README.md).
var options = GatewayOptions.FromEnvironment();
if (args.Length > 0 && args[0] == "keys")
    return await KeysCli.RunAsync(args[1..], options, Console.Out, Console.Error);

var app = GatewayApp.Build(options);
await app.RunAsync();
return 0;
