"""Prometheus metrics of one worker (a registry per app, so several apps can live in one process)."""
from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

DURATION_BUCKETS = (0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800)


class WorkerMetrics:
    def __init__(self, job_types: list[str], concurrency: int):
        self.registry = CollectorRegistry()
        self.jobs = Counter("nexus_worker_jobs_total", "Jobs finished, by type and outcome "
                            "(completed, failed, aborted)", ["type", "outcome"], registry=self.registry)
        self.duration = Histogram("nexus_worker_job_duration_seconds", "Run time of finished jobs",
                                  ["type", "outcome"], buckets=DURATION_BUCKETS, registry=self.registry)
        self.in_flight = Gauge("nexus_worker_jobs_in_flight", "Jobs executing now, by type", ["type"],
                               registry=self.registry)
        self.rejected = Counter("nexus_worker_jobs_rejected_total", "Submissions refused, by reason "
                                "(busy, invalid, draining)", ["reason"], registry=self.registry)
        self.accepted = Counter("nexus_worker_jobs_accepted_total", "Submissions accepted, by type", ["type"],
                                registry=self.registry)
        self.capacity = Gauge("nexus_worker_concurrency_limit", "Jobs this instance runs at once",
                              registry=self.registry)
        self.long_polls = Gauge("nexus_worker_long_polls_waiting", "Job polls (GET /v1/jobs/{id}?wait=) held until "
                                "their job ends or their wait passes", registry=self.registry)
        self.capacity.set(concurrency)
        for t in job_types:
            self.in_flight.labels(t).set(0)
