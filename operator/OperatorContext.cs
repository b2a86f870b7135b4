using Microsoft.Extensions.Logging;
using Nexus.Crds.Entities;
using Nexus.Operator.Control;
using Nexus.Operator.Dispatch;
using Nexus.Operator.Metrics;
using Nexus.Operator.Pools;
using Nexus.Shared;

namespace Nexus.Operator;

/// <summary>What the controllers of one leadership term share: API, caches, slots, metrics, events.</summary>
public sealed class OperatorContext
{
    public required OperatorOptions Options { get; init; }
    public required KubeApi Api { get; init; }
    public required ILoggerFactory Logs { get; init; }
    public required OperatorMetrics Metrics { get; init; }
    public required EventRecorder Events { get; init; }
    public required WorkerClient Workers { get; init; }
    public required Informer<AiJob> Jobs { get; init; }
    public required Informer<AiJobBatch> Batches { get; init; }
    public required Informer<WorkerPool> Pools { get; init; }
    public required PoolRegistry Registry { get; init; }
    public required Jobs.JobStats Stats { get; init; }
}
