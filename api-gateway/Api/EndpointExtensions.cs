namespace Nexus.Gateway.Api;

public static class EndpointExtensions
{
    /// <summary>Documents the error answers of an endpoint (all use the same envelope).</summary>
    public static RouteHandlerBuilder ProducesErrors(this RouteHandlerBuilder builder, params int[] statuses)
    {
        foreach (var status in statuses) builder.Produces<ErrorEnvelope>(status, "application/json");
        return builder;
    }
}
