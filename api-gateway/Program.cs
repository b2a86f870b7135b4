// The gateway's entry point; the REST API is added by the gateway work.
Console.Error.WriteLine("nexus-gateway: not implemented yet");
return 1;
