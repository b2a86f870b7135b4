// The operator's entry point; the controller runtime and reconcilers are added by the operator work.
Console.Error.WriteLine("nexus-operator: not implemented yet");
return 1;
