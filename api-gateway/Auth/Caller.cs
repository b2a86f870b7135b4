namespace Nexus.Gateway.Auth;

/// <summary>Who is calling: the API key that authenticated the request and the tenant it acts for.</summary>
public sealed record Caller(ApiKey Key, string Tenant);
