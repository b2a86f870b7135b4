using Nexus.Gateway;
using Nexus.Gateway.Auth;

// `keys ...` manages API keys; anything else runs the gateway. Settings come from environment variables (README.md).
if (args is ["keys", ..]) return await KeysCli.RunAsync(args[1..], Console.Out, Console.Error);
return await GatewayApp.RunAsync(Console.Error);
