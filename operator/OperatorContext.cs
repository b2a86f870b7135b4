using Microsoft.Extensions.Logging;
using Nexus.Crds.Entities;
using Nexus.Operator.Control;
using Nexus.Operator.Metrics;
using Nexus.Shared;

namespace Nexus.Operator;

/// <summary>
/// What <see cref="Batches.BatchController"/> still takes in one object; every other component takes the
/// dependencies it uses through its constructor. Goes once the batch controller does the same.
/// </summary>
public sealed class OperatorContext
{
    public required OperatorOptions Options { get; init; }
    public required KubeApi Api { get; init; }
    public required ILoggerFactory Logs { get; init; }
    public required OperatorMetrics Metrics { get; init; }
    public required EventRecorder Events { get; init; }
    public required Informer<AiJob> Jobs { get; init; }
    public required Informer<AiJobBatch> Batches { get; init; }
}
