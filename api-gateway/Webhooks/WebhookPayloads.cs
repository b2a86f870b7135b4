using System.Text.Json;
using System.Text.Json.Serialization;
using Nexus.Crds.Entities;
using Nexus.Gateway.Api;
using Nexus.Gateway.Jobs;
using Nexus.Shared.History;

namespace Nexus.Gateway.Webhooks;

/// <summary>The body of a delivery: <c>{"type", "timestamp", "data": &lt;the REST view&gt;}</c>.</summary>
public sealed record WebhookBody(
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("timestamp")] string Timestamp,
    [property: JsonPropertyName("data")] object Data);

/// <summary>What rendering a delivery's body gave: the bytes, or why there are none (yet).</summary>
public sealed record RenderedBody(byte[]? Body, string? Missing, bool Retry);

/// <summary>
/// Renders a delivery's body at send time from the archived record the outbox names (the outbox keeps only the
/// event, job or batch id and tenant): the same JSON as <c>GET /api/ai-jobs/:id</c> (or the batch's GET) shows, so a
/// retry sends the same body. A result larger than the configured limit is left out; the receiver reads it by id.
/// </summary>
public sealed class WebhookPayloads(HistoryDatabase history, long maxResultBytes)
{
    public async Task<RenderedBody> RenderAsync(ClaimedDelivery delivery, CancellationToken ct)
    {
        object? data = delivery.EventType == WebhookEvents.BatchFinished
            ? await BatchAsync(delivery, ct).ConfigureAwait(false)
            : await JobAsync(delivery, ct).ConfigureAwait(false);
        switch (data)
        {
            case null:
                return new RenderedBody(null, $"{delivery.ResourceId} is no longer in the job history", Retry: false);
            case string notYet:
                return new RenderedBody(null, notYet, Retry: true);
        }
        var body = new WebhookBody(delivery.EventType, JobTimes.Format(delivery.CreatedAt), data);
        return new RenderedBody(JsonSerializer.SerializeToUtf8Bytes(body, ApiJson.Options), null, false);
    }

    private async Task<object?> JobAsync(ClaimedDelivery delivery, CancellationToken ct)
    {
        var job = await history.Jobs.GetJobAsync(delivery.Tenant, delivery.ResourceId, includeResult: false, ct).ConfigureAwait(false);
        if (job is null) return null;
        JsonElement? result = null;
        if (job.ResultSizeBytes is { } size && size <= maxResultBytes)
            result = await history.Jobs.GetResultAsync(delivery.Tenant, delivery.ResourceId, ct).ConfigureAwait(false);
        return JobMapper.ToView(job with { Result = result });
    }

    private async Task<object?> BatchAsync(ClaimedDelivery delivery, CancellationToken ct)
    {
        var batch = await history.Jobs.GetBatchAsync(delivery.Tenant, delivery.ResourceId, includeResults: false, ct).ConfigureAwait(false);
        if (batch is null) return null;
        // The operator archives each job when it ends, the batch after: a job not there yet is a moment away.
        if (batch.Jobs.Count < batch.Batch.Jobs.Count) return $"{batch.Batch.Jobs.Count - batch.Jobs.Count} of the batch's jobs are not archived yet";
        return BatchMapper.ToView(batch);
    }
}
