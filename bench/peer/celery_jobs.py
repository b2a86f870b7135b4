"""The Celery side of the peer benchmark: one task that runs a job type's own method, exactly as a worker of the
platform runs it (params validated by the same model, the same data provider, the same job code).

Started by peer_bench.py as `celery -A celery_jobs worker`; the broker and result backend come from
PEER_REDIS_URL, the worker's data settings from the same WORKER_* variables the platform's workers read.
"""
from __future__ import annotations

import os
import threading
from datetime import datetime, timedelta, timezone

from celery import Celery

from nexus_worker.config import Settings
from nexus_worker.data.factory import build_provider
from nexus_worker.jobs import JOB_TYPES
from nexus_worker.jobs.base import JobContext

REDIS_URL = os.environ.get("PEER_REDIS_URL", "redis://127.0.0.1:6379/0")

app = Celery("nexus_peer", broker=REDIS_URL, backend=REDIS_URL)
# What a user picks for short jobs: JSON, no prefetch hoarding, acks after the run (a crashed worker's job is
# delivered again, the closest Celery comes to the platform's retry of a lost attempt).
app.conf.update(task_serializer="json", result_serializer="json", accept_content=["json"],
                worker_prefetch_multiplier=1, task_acks_late=True, result_expires=3600,
                broker_connection_retry_on_startup=True)

_local = threading.local()


def _provider():
    # One provider per worker process (SQLite connections are not shared across forks).
    if getattr(_local, "pid", None) != os.getpid():
        _local.settings = Settings.from_env()
        _local.provider = build_provider(_local.settings)
        _local.pid = os.getpid()
    return _local.settings, _local.provider


@app.task(name="nexus.run_job")
def run_job(job_id: str, job_type: str, tenant: str, params: dict, timeout_seconds: float = 300.0) -> dict:
    settings, provider = _provider()
    kind = JOB_TYPES[job_type]
    model = kind.params(**params)
    deadline = datetime.now(timezone.utc) + timedelta(seconds=timeout_seconds)
    ctx = JobContext(job_id, job_type, tenant, 1, deadline, provider, settings)
    return kind.run(ctx, model)
