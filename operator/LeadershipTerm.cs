using Nexus.Crds.Entities;
using Nexus.Operator.Archive;
using Nexus.Operator.Batches;
using Nexus.Operator.Dispatch;
using Nexus.Operator.Jobs;
using Nexus.Operator.Pools;
using Nexus.Shared;

namespace Nexus.Operator;

/// <summary>The state one leadership term built (fresh caches, slots, counts), as the host shows it while leading.</summary>
public sealed record LeadershipTerm(Informer<AiJob> Jobs, Informer<AiJobBatch> Batches, Informer<WorkerPool> Pools,
    PoolRegistry Registry, JobStats Stats, JobRunner Runner, SlotScheduler Scheduler, JobArchiver Archiver, BatchController BatchController);
