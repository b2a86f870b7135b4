using Prometheus;

namespace Nexus.Operator.Metrics;

/// <summary>
/// The operator's Prometheus series (names are a contract: the chart's alert rules use them; docs/metrics.md lists
/// them and a test compares it with what /metrics exposes). Spec and status values are separate series, as
/// kube-state-metrics does it; label values are lowercase. Each operator instance has its own registry, so several
/// can run in one process.
/// </summary>
public sealed class OperatorMetrics
{
    /// <summary>Values of the <c>kind</c> label.</summary>
    public static class Kinds
    {
        public const string AiJob = "aijob";
        public const string AiJobBatch = "aijobbatch";
        public const string WorkerPool = "workerpool";
        /// <summary>A result too large for status, stored apart (an archive write of its own).</summary>
        public const string Result = "result";
    }

    public OperatorMetrics()
    {
        Registry = Prometheus.Metrics.NewCustomRegistry();
        var f = Prometheus.Metrics.WithCustomRegistry(Registry);
        Jobs = f.CreateGauge("nexus_aijobs", "AiJobs by phase, type and priority.", "phase", "type", "priority");
        OldestQueued = f.CreateGauge("nexus_aijob_oldest_queued_seconds", "Age of the oldest queued AiJob per type.", "type");
        QueueWait = f.CreateHistogram("nexus_aijob_queue_wait_seconds", "Time from queued to started.",
            new HistogramConfiguration { Buckets = [0.01, 0.05, 0.1, 0.5, 1, 5, 15, 30, 60, 300, 900, 3600] });
        RunDuration = f.CreateHistogram("nexus_aijob_run_duration_seconds", "Time from started to finished.",
            new HistogramConfiguration { Buckets = [0.1, 1, 5, 10, 30, 60, 120, 300, 600, 1800, 3600] });
        Finished = f.CreateCounter("nexus_aijob_finished_total", "AiJobs that reached a terminal phase.", "type", "outcome");
        Failures = f.CreateCounter("nexus_aijob_failures_total", "AiJobs that ended failed, by error code.", "type", "code");
        AttemptFailures = f.CreateCounter("nexus_aijob_attempt_failures_total",
            "Attempts that ended in failure (retried or final), by error code.", "type", "code");
        Retries = f.CreateCounter("nexus_aijob_retries_total", "Attempts retried after a retryable failure.", "type");
        PoolMinReplicas = f.CreateGauge("nexus_workerpool_spec_min_replicas", "A worker pool's spec.minReplicas.", "pool");
        PoolMaxReplicas = f.CreateGauge("nexus_workerpool_spec_max_replicas", "A worker pool's spec.maxReplicas.", "pool");
        PoolDesiredReplicas = f.CreateGauge("nexus_workerpool_status_desired_replicas", "Replicas the operator wants for a pool (status.desiredReplicas).", "pool");
        PoolReadyReplicas = f.CreateGauge("nexus_workerpool_status_ready_replicas", "A pool's ready replicas (status.readyReplicas).", "pool");
        PoolCapacity = f.CreateGauge("nexus_workerpool_capacity", "Jobs a pool can run at once (ready instances x concurrency).", "pool");
        Reconciles = f.CreateCounter("nexus_operator_reconcile_total", "Reconciles by kind and result.", "kind", "result");
        IsLeader = f.CreateGauge("nexus_operator_is_leader", "1 while this replica holds the leader lease.");
        Reattached = f.CreateCounter("nexus_operator_reattached_total", "Running jobs whose attempt this replica took over (after a restart or a change of leader).");
        Resubmits = f.CreateCounter("nexus_operator_resubmitted_total", "Attempts submitted again because their worker did not have them when re-attached.");
        WatchRestarts = f.CreateCounter("nexus_operator_watch_restarts_total", "Watch streams reopened, by kind.", "kind");
        ArchiveBacklog = f.CreateGauge("nexus_operator_archive_backlog",
            "Finished AiJobs and AiJobBatches not yet written to the history database (they stay in the API until they are), by kind.", "kind");
        ArchiveFailures = f.CreateCounter("nexus_operator_archive_failures_total",
            "Failed writes to the history database, by what was written (aijob, aijobbatch, result); each is retried with backoff.", "kind");
        Archived = f.CreateCounter("nexus_operator_archived_total", "Finished objects written to the history database, by kind.", "kind");
        HistorySwept = f.CreateCounter("nexus_history_retention_deleted_total",
            "Rows the history database's retention sweep deleted, by table (jobs, job_results, batches, idempotency_keys).", "table");
        StatusWrites = f.CreateCounter("nexus_operator_status_writes_total", "AiJob status writes to the Kubernetes API (etcd).");
        LiveRowsWritten = f.CreateCounter("nexus_operator_live_rows_written_total",
            "Rows of live job signals (progress, queue position) written to the history database.");
        LiveFlushes = f.CreateCounter("nexus_operator_live_flushes_total", "Batched upserts of live job signals, by result (success, error).", "result");
        HistorySweeps = f.CreateCounter("nexus_history_retention_sweeps_total", "Retention sweeps run, by result (success, error).", "result");
    }

    public CollectorRegistry Registry { get; }
    public Gauge Jobs { get; }
    public Gauge OldestQueued { get; }
    public Histogram QueueWait { get; }
    public Histogram RunDuration { get; }
    public Counter Finished { get; }
    public Counter Failures { get; }
    public Counter AttemptFailures { get; }
    public Counter Retries { get; }
    public Gauge PoolMinReplicas { get; }
    public Gauge PoolMaxReplicas { get; }
    public Gauge PoolDesiredReplicas { get; }
    public Gauge PoolReadyReplicas { get; }
    public Gauge PoolCapacity { get; }
    public Counter Reconciles { get; }
    public Gauge IsLeader { get; }
    public Counter WatchRestarts { get; }
    public Counter Reattached { get; }
    public Counter Resubmits { get; }
    public Gauge ArchiveBacklog { get; }
    public Counter ArchiveFailures { get; }
    public Counter Archived { get; }
    public Counter HistorySwept { get; }
    public Counter HistorySweeps { get; }
    public Counter StatusWrites { get; }
    public Counter LiveRowsWritten { get; }
    public Counter LiveFlushes { get; }
}
